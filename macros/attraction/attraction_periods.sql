{#-
    Every row of `relation` twice, once per reporting period: `period_grain` ('week' or 'month') and
    `period_start_date` (the Monday of `week_column`, the first day of `month_column`), followed by
    all the relation's columns. A union, so that it runs on every engine.
-#}
{% macro attraction_periods(relation, week_column, month_column) -%}
    select
        'week' as period_grain,
        {{ relation }}.{{ week_column }} as period_start_date,
        {{ relation }}.*
    from {{ relation }}

    union all

    select
        'month' as period_grain,
        {{ relation }}.{{ month_column }} as period_start_date,
        {{ relation }}.*
    from {{ relation }}
{%- endmacro %}
