with

store_days as (
    select * from {{ ref('int_store_days_aggregated') }}
),

stores as (
    select * from {{ ref('stg_pos__stores') }}
),

counted_days as (
    select * from store_days
    where has_traffic_data
),

final as (
    select
        -- ids
        counted_days.store_id,

        -- strings
        stores.store_name,
        stores.city,
        stores.store_format,

        -- numerics
        cast(counted_days.visitor_count as bigint) as visitor_count,
        cast(counted_days.counted_hour_count as bigint) as counted_hour_count,
        cast(counted_days.peak_hour as integer) as peak_hour,
        cast(counted_days.peak_hour_visitor_count as bigint) as peak_hour_visitor_count,
        cast(counted_days.morning_visitor_count as bigint) as morning_visitor_count,
        cast(counted_days.afternoon_visitor_count as bigint) as afternoon_visitor_count,
        cast(counted_days.evening_visitor_count as bigint) as evening_visitor_count,
        {{ safe_divide('counted_days.peak_hour_visitor_count', 'counted_days.visitor_count') }}
            as peak_hour_visitor_share,

        -- dates
        counted_days.business_date
    from counted_days
    left join stores
        on counted_days.store_id = stores.store_id
)

select * from final
