with

stage_entries as (
    select * from {{ ref('base_hubspot__deal_stage_entries') }}
),

final as (
    select
        -- ids
        stage_entries.opportunity_id,

        -- strings
        'hubspot' as source_system,
        {{ vocabulary_value('opportunity_stage', 'stage_entries.source_stage', 'stages', 'hubspot') }} as stage,
        stage_entries.source_stage,

        -- timestamps
        stage_entries.entered_at,

        -- lineage
        stage_entries.source_batch_id
    from stage_entries
    {{ vocabulary_join('opportunity_stage', 'stage_entries.source_stage', 'stages', 'hubspot') }}
)

select * from final
