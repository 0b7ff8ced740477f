{#-
    The expected hot share of new won clients, (low, high), from the settings `hot_share_min` and
    `hot_share_max`: the one check that the band's ends are in order, for the models that judge or
    show the hot share (int_new_won_clients_counted_by_temperature, lead_temperature_mix,
    funnel_health).
-#}
{% macro hot_share_band() -%}
    {%- set low = setting('hot_share_min', 'number') -%}
    {%- set high = setting('hot_share_max', 'number') -%}
    {%- if low > high -%}
        {{ exceptions.raise_compiler_error(
            "var 'hot_share_min' (" ~ low ~ ") is above 'hot_share_max' (" ~ high ~ ")"
        ) }}
    {%- endif -%}
    {{ return((low, high)) }}
{%- endmacro %}
