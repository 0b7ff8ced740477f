with

leads as (
    select * from {{ ref('base_salesforce__leads') }}
),

campaign_members as (
    select * from {{ ref('base_salesforce__campaign_members') }}
),

campaigns as (
    select * from {{ ref('base_salesforce__campaigns') }}
),

-- a lead's campaign is the one it joined first, by the time the lead was created: a campaign it joined
-- later (a newsletter, an invitation) touched it but did not bring it in
first_memberships as (
    select
        lead_id,
        campaign_id
    from (
        select
            leads.lead_id,
            campaign_members.campaign_id,
            row_number() over (
                partition by leads.lead_id
                order by campaign_members.created_at, campaign_members.campaign_member_id
            ) as membership_rank
        from campaign_members
        inner join leads
            on campaign_members.lead_id = leads.lead_id
        where campaign_members.created_at <= leads.created_at
    ) as memberships_ranked
    where membership_rank = 1
),

leads_mapped as (
    select
        leads.*,
        first_memberships.campaign_id,
        {{ channel_attribute('channel', 'leads.source_channel', source_system='salesforce') }} as channel,
        {{ channel_attribute('channel_group', 'leads.source_channel', source_system='salesforce') }}
            as channel_group,
        {{ channel_row_attribute('default_initiative', source_system='salesforce') }} as channel_default_initiative,
        {{ channel_is_mapped(source_system='salesforce') }} as is_channel_mapped,
        -- an initiative the vocabulary does not know is not a stated one (it is counted as unmapped)
        nullif(
            {{ vocabulary_value('initiative', 'leads.source_initiative', 'initiatives', 'salesforce') }},
            'unmapped'
        ) as stated_initiative,
        {{ channel_row_attribute('default_initiative', 'campaign_channels', 'salesforce') }} as campaign_initiative,
        {{ vocabulary_value('product_awareness', 'leads.source_product_awareness', 'awareness', 'salesforce') }}
            as product_awareness,
        {{ vocabulary_value('lead_status', 'leads.source_lead_status', 'statuses', 'salesforce') }} as lead_status
    from leads
    left join first_memberships
        on leads.lead_id = first_memberships.lead_id
    left join campaigns
        on first_memberships.campaign_id = campaigns.campaign_id
    {{ channel_join('leads.source_channel', source_system='salesforce') }}
    {{ channel_join('campaigns.source_channel', 'campaign_channels', 'salesforce') }}
    {{ vocabulary_join('initiative', 'leads.source_initiative', 'initiatives', 'salesforce') }}
    {{ vocabulary_join('product_awareness', 'leads.source_product_awareness', 'awareness', 'salesforce') }}
    {{ vocabulary_join('lead_status', 'leads.source_lead_status', 'statuses', 'salesforce') }}
),

final as (
    select
        -- ids
        lead_id,
        campaign_id,
        owner_user_id,

        -- strings
        'salesforce' as source_system,
        source_channel,
        channel,
        channel_group,
        {{ lead_initiative('stated_initiative', 'channel_default_initiative', 'campaign_initiative') }} as initiative,
        {{ lead_initiative_source('stated_initiative', 'channel_default_initiative', 'campaign_initiative') }}
            as initiative_source,
        source_initiative,
        product_awareness,
        source_product_awareness,
        lead_status,
        source_lead_status,
        company_name,
        city,
        -- Salesforce has no standard field for why a lead was lost
        cast(null as {{ dbt.type_string() }}) as lost_reason,
        cast(null as {{ dbt.type_string() }}) as source_lost_reason,
        contact_name_hash,
        email_hash,
        email_domain,
        phone_hash,

        -- booleans
        is_channel_mapped,
        is_converted,

        -- timestamps
        created_at,
        updated_at,

        -- lineage
        source_batch_id
    from leads_mapped
)

select * from final
