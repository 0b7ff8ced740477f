-- One row per calendar day for MetricFlow (joins for cumulative metrics, offsets, fill_nulls_with).
-- The range is fixed and generous: 2000-01-01 up to and including 2049-12-31 (18,263 rows), far
-- beyond any CRM or till data this warehouse can hold; date_spine excludes its end date.
with

days as (
    {{ dbt.date_spine(
        'day',
        "cast('2000-01-01' as date)",
        "cast('2050-01-01' as date)"
    ) }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
