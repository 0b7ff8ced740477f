with

source as (
    select * from {{ source('crm', 'users') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['user_id'], 'updated_at') }}
),

final as (
    select
        -- ids
        user_id,

        -- strings
        {{ clean_text('team') }} as team_name,
        {{ hash_pii(normalize_name('full_name')) }} as full_name_hash,

        -- booleans
        is_outsourced,
        is_active,

        -- timestamps
        updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
)

select * from final
