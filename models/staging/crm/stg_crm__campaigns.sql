with

campaigns as (
    select * from {{ ref('base_crm__campaigns') }}
),

channel_mapping as (
    select * from {{ ref('channel_mapping') }}
),

final as (
    select
        -- ids
        campaigns.campaign_id,

        -- strings
        campaigns.campaign_name,
        campaigns.source_channel,
        {{ mapped_channel_attribute('channel', 'campaigns') }} as channel,
        {{ mapped_channel_attribute('channel_group', 'campaigns') }} as channel_group,
        campaigns.initiative,

        -- booleans
        channel_mapping.source_channel is not null as is_channel_mapped,

        -- dates
        campaigns.started_date,
        campaigns.ended_date,

        -- timestamps
        campaigns.updated_at,

        -- lineage
        campaigns.source_batch_id
    from campaigns
    left join channel_mapping
        on campaigns.source_channel = channel_mapping.source_channel
)

select * from final
