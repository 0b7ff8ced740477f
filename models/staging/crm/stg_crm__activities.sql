{{ config(
    materialized=by_key_materialization(),
    incremental_strategy='delete+insert',
    unique_key='activity_id',
    on_schema_change='sync_all_columns',
) }}

with

source as (
    select * from {{ versions_to_rebuild(source('crm', 'activities'), ['activity_id']) }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['activity_id'], 'updated_at') }}
),

activities as (
    select
        activity_id,
        lead_id,
        owner_id as owner_user_id,
        {{ clean_text('activity_type') }} as source_activity_type,
        {{ clean_text('direction') }} as source_direction,
        {{ clean_text('outcome') }} as source_outcome,
        duration_seconds,
        occurred_at,
        updated_at,
        _batch_id as source_batch_id
    from latest_versions
),

final as (
    select
        -- ids
        activities.activity_id,
        activities.lead_id,
        activities.owner_user_id,

        -- strings
        {{ vocabulary_value('activity_type', 'activities.source_activity_type', 'types') }} as activity_type,
        {{ vocabulary_value('activity_direction', 'activities.source_direction', 'directions') }} as direction,
        {{ vocabulary_value('activity_outcome', 'activities.source_outcome', 'outcomes') }} as outcome,
        activities.source_activity_type,
        activities.source_direction,
        activities.source_outcome,

        -- numerics
        activities.duration_seconds,

        -- timestamps
        activities.occurred_at,
        activities.updated_at,

        -- lineage
        activities.source_batch_id
    from activities
    {{ vocabulary_join('activity_type', 'activities.source_activity_type', 'types') }}
    {{ vocabulary_join('activity_direction', 'activities.source_direction', 'directions') }}
    {{ vocabulary_join('activity_outcome', 'activities.source_outcome', 'outcomes') }}
)

select * from final
