{#- Money per unit: amount / count as decimal(18, 2), rounded to 2 decimals; null when count is 0. -#}
{% macro attraction_cost_per(amount, count) -%}
    cast(round({{ safe_divide(amount, count) }}, 2) as decimal(18, 2))
{%- endmacro %}
