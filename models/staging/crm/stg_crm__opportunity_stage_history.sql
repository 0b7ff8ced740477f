{{ config(
    materialized=by_key_materialization(),
    incremental_strategy='delete+insert',
    unique_key='opportunity_id',
    on_schema_change='sync_all_columns',
) }}

with

source as (
    select * from {{ versions_to_rebuild(source('crm', 'opportunity_stage_history'), ['opportunity_id']) }}
),

-- the extract has no updated_at: a stage entry delivered again keeps its latest delivery
latest_versions as (
    {{ deduplicate_to_latest(
        'source',
        key_columns=['opportunity_id', vocabulary_key('stage'), 'entered_at']
    ) }}
),

stage_entries as (
    select
        opportunity_id,
        {{ clean_text('stage') }} as source_stage,
        entered_at,
        _batch_id as source_batch_id
    from latest_versions
),

final as (
    select
        -- ids
        stage_entries.opportunity_id,

        -- strings
        {{ vocabulary_value('opportunity_stage', 'stage_entries.source_stage', 'stages') }} as stage,
        stage_entries.source_stage,

        -- timestamps
        stage_entries.entered_at,

        -- lineage
        stage_entries.source_batch_id
    from stage_entries
    {{ vocabulary_join('opportunity_stage', 'stage_entries.source_stage', 'stages') }}
)

select * from final
