{#-
    A select of `period_month`, the first day of every month from `start_month` to `end_month`
    (inclusive; columns of the one-row relation `bounds`, each a first day of a month). Portable:
    numbers from dbt.generate_series, months from dbt.dateadd; at most `max_months` months.
-#}
{% macro month_spine(bounds, start_month='first_month', end_month='last_month', max_months=1200) -%}
    {%- set period_month = dbt.dateadd(
        'month',
        'cast(series.generated_number as integer) - 1',
        bounds ~ '.' ~ start_month
    ) -%}
    select
        cast({{ period_month }} as date) as period_month
    from ({{ dbt.generate_series(max_months) }}) as series
    cross join {{ bounds }}
    where {{ period_month }} <= {{ bounds }}.{{ end_month }}
{%- endmacro %}
