with

opportunities as (
    select * from {{ ref('int_crm_opportunities_unioned') }}
),

leads as (
    select * from {{ ref('int_leads_enriched') }}
),

opportunity_stages as (
    select * from {{ ref('fct_opportunity_stages') }}
),

-- open ages are measured to var as_of_date when given, else to the latest day in the CRM data
as_of as (
    select max({{ as_of_date('cast(updated_at as date)') }}) as as_of_date
    from opportunities
),

-- the start of the latest stay in the opportunity's current stage (a re-entered stage counts
-- from its latest entry)
current_stage_entries as (
    select
        opportunities.opportunity_id,
        max(opportunity_stages.entered_at) as entered_at
    from opportunities
    inner join opportunity_stages
        on opportunities.opportunity_id = opportunity_stages.opportunity_id
        and opportunities.stage = opportunity_stages.stage
    group by opportunities.opportunity_id
),

opportunities_joined as (
    select
        opportunities.*,
        leads.campaign_id,
        leads.channel_group,
        leads.channel,
        leads.team_name,
        leads.team_type,
        leads.lead_temperature,
        as_of.as_of_date,
        -- the closing stage is entered when the deal closes, even if its history row is missing
        coalesce(
            current_stage_entries.entered_at,
            case when opportunities.is_closed then opportunities.closed_at end
        ) as current_stage_entered_at
    from opportunities
    cross join as_of
    left join leads
        on opportunities.lead_id = leads.lead_id
    left join current_stage_entries
        on opportunities.opportunity_id = current_stage_entries.opportunity_id
),

final as (
    select
        -- ids
        opportunity_id,
        lead_id,
        owner_user_id,
        campaign_id,

        -- strings
        stage,
        coalesce(channel_group, 'unknown') as channel_group,
        coalesce(channel, 'unknown') as channel,
        coalesce(team_name, 'unassigned') as team_name,
        coalesce(team_type, 'unassigned') as team_type,
        coalesce(lead_temperature, 'unknown') as lead_temperature,
        currency_code,
        lost_reason,

        -- numerics
        cast(amount_reporting as decimal(18, 2)) as amount,
        -- whole calendar days between the UTC dates, as Salesforce's opportunity age
        case
            when is_closed then cast({{ dbt.datediff('created_at', 'closed_at', 'day') }} as integer)  -- noqa: LT05
        end as sales_cycle_days,
        -- a deal opened after a back-dated as_of_date has no age yet
        case
            when not is_closed and cast(created_at as date) <= as_of_date
                then cast({{ dbt.datediff('created_at', 'as_of_date', 'day') }} as integer)  -- noqa: LT05
        end as days_open,

        -- booleans
        not is_closed as is_open,
        is_closed,
        is_won,

        -- dates
        as_of_date,

        -- timestamps
        created_at,
        closed_at,
        current_stage_entered_at
    from opportunities_joined
)

select * from final
