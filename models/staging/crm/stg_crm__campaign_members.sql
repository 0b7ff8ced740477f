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

touch_types as (
    select * from {{ ref('touch_types') }}
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

touches_mapped as (
    select
        touches.*,
        {{ vocabulary_value('touch_type', 'touches.source_touch_type', 'touch_type_map') }} as touch_type,
        {{ vocabulary_is_mapped('touches.source_touch_type', 'touch_type_map') }} as is_touch_type_mapped
    from touches
    {{ vocabulary_join('touch_type', 'touches.source_touch_type', 'touch_type_map') }}
),

final as (
    select
        -- ids
        touches_mapped.lead_id,
        touches_mapped.campaign_id,

        -- strings
        touches_mapped.source_touch_type,
        touches_mapped.touch_type,

        -- booleans
        touches_mapped.is_touch_type_mapped,
        -- a touch the vocabulary does not know still counts: the source recorded it as a touch
        coalesce(touch_types.is_attributable, true) as is_attributable,

        -- timestamps
        touches_mapped.touched_at,
        touches_mapped.updated_at,

        -- lineage
        touches_mapped.source_batch_id
    from touches_mapped
    left join touch_types
        on touches_mapped.touch_type = touch_types.touch_type
)

select * from final
