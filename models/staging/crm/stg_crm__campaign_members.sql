{{ config(
    materialized=by_key_materialization(),
    incremental_strategy='delete+insert',
    unique_key='lead_id',
    on_schema_change='sync_all_columns',
) }}

with

source as (
    select * from {{ versions_to_rebuild(source('crm', 'campaign_members'), ['lead_id']) }}
),

-- the key spells the touch type as the vocabulary matches it, so that 'Opened' and 'opened ' are one touch
latest_versions as (
    {{ deduplicate_to_latest(
        'source',
        ['lead_id', 'campaign_id', vocabulary_key('touch_type'), 'touched_at'],
        'updated_at'
    ) }}
),

touches as (
    select
        lead_id,
        campaign_id,
        {{ clean_text('touch_type') }} as source_touch_type,
        touched_at,
        updated_at,
        _batch_id as source_batch_id
    from latest_versions
),

final as (
    {{ campaign_touches('touches') }}
)

select * from final
