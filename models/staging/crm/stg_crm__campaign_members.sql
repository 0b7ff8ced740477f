with

source as (
    select * from {{ source('crm', 'campaign_members') }}
),

touch_type_mapping as (
    select * from {{ ref('touch_type_mapping') }}
),

-- the key spells the touch type as staging reads it, so that 'Opened' and 'opened ' are one touch
latest_versions as (
    {{ deduplicate_to_latest(
        'source',
        ['lead_id', 'campaign_id', normalize_code('touch_type'), 'touched_at'],
        'updated_at'
    ) }}
),

touches as (
    select
        lead_id,
        campaign_id,
        {{ normalize_code('touch_type') }} as source_touch_type,
        touched_at,
        updated_at,
        _batch_id as source_batch_id
    from latest_versions
),

final as (
    select
        -- ids
        touches.lead_id,
        touches.campaign_id,

        -- strings
        touches.source_touch_type,
        coalesce(touch_type_mapping.touch_type, 'unmapped') as touch_type,

        -- booleans
        touch_type_mapping.source_touch_type is not null as is_touch_type_mapped,
        -- a touch the seed does not know still counts: the source recorded it as a touch
        coalesce(touch_type_mapping.is_attributable, true) as is_attributable,

        -- timestamps
        touches.touched_at,
        touches.updated_at,

        -- lineage
        touches.source_batch_id
    from touches
    left join touch_type_mapping
        on touches.source_touch_type = touch_type_mapping.source_touch_type
)

select * from final
