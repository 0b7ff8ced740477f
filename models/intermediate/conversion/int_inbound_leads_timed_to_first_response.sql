with

leads as (
    select * from {{ ref('int_leads_assigned_to_funnels') }}
),

funnel_events as (
    select * from {{ ref('int_funnel_events_matched_to_steps') }}
),

inbound_leads as (
    select *
    from leads
    where funnel = 'inbound'
),

-- the inbound funnel's `responded` step defines a response; speed to lead ignores the window
responses as (
    select
        funnel_events.lead_id,
        funnel_events.occurred_at
    from funnel_events
    inner join inbound_leads
        on funnel_events.lead_id = inbound_leads.lead_id
    where funnel_events.funnel = 'inbound'
        and funnel_events.step_name = 'responded'
        and funnel_events.occurred_at >= inbound_leads.created_at
),

first_responses as (
    select
        lead_id,
        min(occurred_at) as first_responded_at
    from responses
    group by lead_id
),

final as (
    select
        -- ids
        inbound_leads.lead_id,

        -- numerics
        {{ minutes_between('inbound_leads.created_at', 'first_responses.first_responded_at') }}
            as minutes_to_first_response,

        -- booleans
        first_responses.first_responded_at is not null as is_responded,

        -- timestamps
        inbound_leads.created_at as requested_at,
        first_responses.first_responded_at
    from inbound_leads
    left join first_responses
        on inbound_leads.lead_id = first_responses.lead_id
)

select * from final
