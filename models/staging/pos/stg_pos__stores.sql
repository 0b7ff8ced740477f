with

source as (
    select * from {{ source('pos', 'stores') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['store_id'], 'updated_at') }}
),

stores as (
    select
        store_id,
        {{ clean_text('store_name') }} as store_name,
        {{ clean_text('city') }} as city,
        {{ clean_text('store_format') }} as source_store_format,
        opened_on,
        updated_at,
        _batch_id as source_batch_id
    from latest_versions
),

final as (
    select
        -- ids
        stores.store_id,

        -- strings
        stores.store_name,
        stores.city,
        {{ vocabulary_value('store_format', 'stores.source_store_format', 'store_formats') }} as store_format,
        stores.source_store_format,

        -- dates
        stores.opened_on as opened_date,

        -- timestamps
        stores.updated_at,

        -- lineage
        stores.source_batch_id
    from stores
    {{ vocabulary_join('store_format', 'stores.source_store_format', 'store_formats') }}
)

select * from final
