with

source as (
    select * from {{ source('crm', 'activities') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['activity_id'], 'updated_at') }}
),

final as (
    select
        -- ids
        activity_id,
        lead_id,
        owner_id as owner_user_id,

        -- strings
        {{ normalize_code('activity_type') }} as activity_type,
        {{ normalize_code('direction') }} as direction,
        {{ normalize_code('outcome') }} as outcome,

        -- numerics
        duration_seconds,

        -- timestamps
        occurred_at,
        updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
)

select * from final
