{#- The multi-touch attribution models, in the order the marts list them. -#}
{% macro attribution_models() -%}
    {{ return(['first_touch', 'last_touch', 'linear', 'position_based', 'time_decay']) }}
{%- endmacro %}

{#- Half-life of the time-decay model in days: the setting `attribution_half_life_days`. -#}
{% macro attribution_half_life_days() -%}
    {{ return(setting('attribution_half_life_days', 'number')) }}
{%- endmacro %}
