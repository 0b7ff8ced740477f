with

source as (
    select * from {{ source('crm', 'opportunity_stage_history') }}
),

-- the extract has no updated_at: a stage entry delivered again keeps its latest delivery
latest_versions as (
    {{ deduplicate_to_latest(
        'source',
        key_columns=['opportunity_id', normalize_code('stage'), 'entered_at']
    ) }}
),

final as (
    select
        -- ids
        opportunity_id,

        -- strings
        {{ normalize_code('stage') }} as stage,

        -- timestamps
        entered_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
)

select * from final
