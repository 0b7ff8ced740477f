with

source as (
    select * from {{ source('pos', 'store_traffic') }}
),

latest_deliveries as (
    {{ deduplicate_to_latest('source', ['store_id', 'traffic_date', 'hour']) }}
),

final as (
    select
        -- ids
        store_id,

        -- numerics
        hour as hour_of_day,
        visitors as visitor_count,

        -- dates
        traffic_date,

        -- lineage
        _batch_id as source_batch_id
    from latest_deliveries
)

select * from final
