with

campaigns as (
    select * from {{ ref('base_crm__campaigns') }}
),

final as (
    select
        -- ids
        campaigns.campaign_id,

        -- strings
        campaigns.campaign_name,
        campaigns.source_channel,
        {{ channel_attribute('channel', 'campaigns.source_channel') }} as channel,
        {{ channel_attribute('channel_group', 'campaigns.source_channel') }} as channel_group,
        {{ vocabulary_value('initiative', 'campaigns.source_initiative', 'initiatives') }} as initiative,
        campaigns.source_initiative,

        -- booleans
        {{ channel_is_mapped() }} as is_channel_mapped,

        -- dates
        campaigns.started_date,
        campaigns.ended_date,

        -- timestamps
        campaigns.updated_at,

        -- lineage
        campaigns.source_batch_id
    from campaigns
    {{ channel_join('campaigns.source_channel') }}
    {{ vocabulary_join('initiative', 'campaigns.source_initiative', 'initiatives') }}
)

select * from final
