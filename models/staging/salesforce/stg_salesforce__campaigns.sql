with

campaigns as (
    select * from {{ ref('base_salesforce__campaigns') }}
),

final as (
    select
        -- ids
        campaigns.campaign_id,

        -- strings
        'salesforce' as source_system,
        campaigns.campaign_name,
        campaigns.source_channel,
        {{ channel_attribute('channel', 'campaigns.source_channel', source_system='salesforce') }} as channel,
        {{ channel_attribute('channel_group', 'campaigns.source_channel', source_system='salesforce') }}
            as channel_group,
        -- a Campaign states no initiative of its own: its type's does
        {{ channel_row_attribute('default_initiative', source_system='salesforce') }} as initiative,
        cast(null as {{ dbt.type_string() }}) as source_initiative,

        -- booleans
        {{ channel_is_mapped(source_system='salesforce') }} as is_channel_mapped,

        -- dates
        campaigns.started_date,
        campaigns.ended_date,

        -- timestamps
        campaigns.updated_at,

        -- lineage
        campaigns.source_batch_id
    from campaigns
    {{ channel_join('campaigns.source_channel', source_system='salesforce') }}
)

select * from final
