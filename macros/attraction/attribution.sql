{#- The multi-touch attribution models, in the order the marts list them. -#}
{% macro attribution_models() -%}
    {{ return(['first_touch', 'last_touch', 'linear', 'position_based', 'time_decay']) }}
{%- endmacro %}

{#-
    Half-life of the time-decay model in days: var `attribution_half_life_days`, a positive number
    up to 3650. Vars are pasted into SQL as text, so anything else stops the compilation.
-#}
{% macro attribution_half_life_days() -%}
    {%- set value = var('attribution_half_life_days', 7) -%}
    {%- if value is boolean or value is not number or value <= 0 or value > 3650 -%}
        {{ exceptions.raise_compiler_error(
            "var 'attribution_half_life_days' must be a number of days in (0, 3650], got: " ~ value
        ) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
