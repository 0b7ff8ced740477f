with

source as (
    select * from {{ source('pos', 'stores') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['store_id'], 'updated_at') }}
),

final as (
    select
        -- ids
        store_id,

        -- strings
        {{ clean_text('store_name') }} as store_name,
        {{ clean_text('city') }} as city,
        {{ normalize_code('store_format') }} as store_format,

        -- dates
        opened_on as opened_date,

        -- timestamps
        updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
)

select * from final
