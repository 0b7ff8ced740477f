with

leads as (
    select * from {{ ref('int_leads_enriched') }}
),

opportunities_by_lead as (
    select * from {{ ref('int_opportunities_rolled_up_to_leads') }}
),

leads_joined_to_first_wins as (
    select
        leads.lead_id,
        leads.campaign_id,
        leads.owner_user_id,
        leads.campaign_name,
        leads.channel,
        leads.channel_group,
        leads.initiative,
        leads.sale_type,
        leads.lead_temperature,
        leads.team_name,
        leads.team_type,
        leads.is_campaign_unknown,
        leads.created_date,
        leads.cohort_week,
        leads.cohort_month,
        leads.created_at,
        opportunities_by_lead.first_won_at
    from leads
    left join opportunities_by_lead
        on leads.lead_id = opportunities_by_lead.lead_id
),

final as (
    select
        -- ids
        lead_id,
        campaign_id,
        owner_user_id,

        -- strings
        campaign_name,
        channel,
        channel_group,
        initiative,
        sale_type,
        lead_temperature,
        team_name,
        team_type,

        -- booleans
        -- a request: the client came on their own (web form, inbound call, ads, walk-in, ...)
        initiative = 'inbound' as is_request,
        -- a visit: the client came to a store and was registered in the CRM
        channel = 'walk_in' as is_visit,
        channel = 'unknown' as is_channel_empty,
        channel = 'unmapped' as is_channel_unmapped,
        is_campaign_unknown,
        first_won_at is not null as is_won,

        -- dates
        created_date,
        cohort_week,
        cohort_month,
        cast(first_won_at as date) as first_won_date,
        cast({{ dbt.date_trunc('week', 'first_won_at') }} as date) as won_week,
        cast({{ dbt.date_trunc('month', 'first_won_at') }} as date) as won_month,

        -- timestamps
        created_at,
        first_won_at
    from leads_joined_to_first_wins
)

select * from final
