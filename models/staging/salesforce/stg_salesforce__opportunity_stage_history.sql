with

stage_entries as (
    select * from {{ ref('base_salesforce__opportunity_stage_entries') }}
),

final as (
    select
        -- ids
        stage_entries.opportunity_id,

        -- strings
        'salesforce' as source_system,
        {{ vocabulary_value('opportunity_stage', 'stage_entries.source_stage', 'stages', 'salesforce') }} as stage,
        stage_entries.source_stage,

        -- timestamps
        stage_entries.entered_at,

        -- lineage
        stage_entries.source_batch_id
    from stage_entries
    {{ vocabulary_join('opportunity_stage', 'stage_entries.source_stage', 'stages', 'salesforce') }}
)

select * from final
