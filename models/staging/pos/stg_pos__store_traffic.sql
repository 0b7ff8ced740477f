{{ config(
    materialized=by_key_materialization(),
    incremental_strategy='delete+insert',
    unique_key=['store_id', 'traffic_date'],
    on_schema_change='sync_all_columns',
) }}

with

source as (
    select * from {{ versions_to_rebuild(source('pos', 'store_traffic'), ['store_id', 'traffic_date']) }}
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
