with

leads as (
    select * from {{ ref('int_crm_leads_unioned') }}
),

users as (
    select * from {{ ref('int_crm_users_unioned') }}
),

campaigns as (
    select * from {{ ref('int_crm_campaigns_unioned') }}
),

leads_with_owner_and_campaign as (
    select
        leads.*,
        users.team_name as owner_team_name,
        users.is_outsourced as is_owner_outsourced,
        campaigns.campaign_name
    from leads
    left join users
        on leads.owner_user_id = users.user_id
    left join campaigns
        on leads.campaign_id = campaigns.campaign_id
),

final as (
    select
        -- ids
        lead_id,
        campaign_id,
        owner_user_id,

        -- strings
        source_system,
        coalesce(campaign_name, 'unknown') as campaign_name,
        source_channel,
        channel,
        channel_group,
        coalesce(initiative, 'unknown') as initiative,
        case initiative
            when 'outbound' then 'active'
            when 'inbound' then 'passive'
            else 'unknown'
        end as sale_type,
        product_awareness,
        -- hot: the client came on their own; warm/cold: we called, and they did / did not know us
        case
            when initiative = 'inbound' then 'hot'
            when initiative = 'outbound' and product_awareness = 'aware' then 'warm'
            when initiative = 'outbound' and product_awareness = 'unaware' then 'cold'
            else 'unknown'
        end as lead_temperature,
        coalesce(owner_team_name, 'unassigned') as team_name,
        {{ team_type('owner_user_id', 'owner_team_name', 'is_owner_outsourced') }} as team_type,
        lead_status,
        city,
        email_hash,
        phone_hash,

        -- booleans
        is_channel_mapped,
        channel in ('unknown', 'unmapped') as is_channel_unknown,
        campaign_id is null or campaign_name is null as is_campaign_unknown,

        -- dates
        cast(created_at as date) as created_date,
        cast({{ dbt.date_trunc('week', 'created_at') }} as date) as cohort_week,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as cohort_month,

        -- timestamps
        created_at,
        updated_at
    from leads_with_owner_and_campaign
)

select * from final
