with

leads as (
    select * from {{ ref('int_leads_assigned_to_funnels') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

activities as (
    select * from {{ ref('int_crm_activities_unioned') }}
),

opportunities as (
    select * from {{ ref('int_crm_opportunities_unioned') }}
),

opportunity_stage_history as (
    select * from {{ ref('int_crm_opportunity_stage_history_unioned') }}
),

leads_in_funnels as (
    select *
    from leads
    where is_in_funnel
),

lead_created_events as (
    select
        leads_in_funnels.lead_id,
        leads_in_funnels.lead_id as event_id,
        funnel_steps.funnel,
        funnel_steps.step_name,
        funnel_steps.event_source,
        funnel_steps.step_order,
        leads_in_funnels.created_at as occurred_at,
        leads_in_funnels.created_at as lead_created_at,
        leads_in_funnels.conversion_window_ends_at
    from leads_in_funnels
    inner join funnel_steps
        on leads_in_funnels.funnel = funnel_steps.funnel
        and funnel_steps.event_source = 'lead_created'
),

activity_events as (
    select
        leads_in_funnels.lead_id,
        activities.activity_id as event_id,
        funnel_steps.funnel,
        funnel_steps.step_name,
        funnel_steps.event_source,
        funnel_steps.step_order,
        activities.occurred_at,
        leads_in_funnels.created_at as lead_created_at,
        leads_in_funnels.conversion_window_ends_at
    from leads_in_funnels
    inner join activities
        on leads_in_funnels.lead_id = activities.lead_id
    inner join funnel_steps
        on leads_in_funnels.funnel = funnel_steps.funnel
        and {{ funnel_activity_matches_step('funnel_steps', 'activities') }}
),

opportunity_created_events as (
    select
        leads_in_funnels.lead_id,
        opportunities.opportunity_id as event_id,
        funnel_steps.funnel,
        funnel_steps.step_name,
        funnel_steps.event_source,
        funnel_steps.step_order,
        opportunities.created_at as occurred_at,
        leads_in_funnels.created_at as lead_created_at,
        leads_in_funnels.conversion_window_ends_at
    from leads_in_funnels
    inner join opportunities
        on leads_in_funnels.lead_id = opportunities.lead_id
    inner join funnel_steps
        on leads_in_funnels.funnel = funnel_steps.funnel
        and funnel_steps.event_source = 'opportunity_created'
),

opportunity_stage_events as (
    select
        leads_in_funnels.lead_id,
        -- an opportunity can enter the same stage twice: the entry time is part of the event
        {{ dbt.concat([
            'opportunity_stage_history.opportunity_id',
            "'|'",
            'opportunity_stage_history.stage',
            "'|'",
            'cast(opportunity_stage_history.entered_at as ' ~ dbt.type_string() ~ ')',
        ]) }} as event_id,
        funnel_steps.funnel,
        funnel_steps.step_name,
        funnel_steps.event_source,
        funnel_steps.step_order,
        opportunity_stage_history.entered_at as occurred_at,
        leads_in_funnels.created_at as lead_created_at,
        leads_in_funnels.conversion_window_ends_at
    from leads_in_funnels
    inner join opportunities
        on leads_in_funnels.lead_id = opportunities.lead_id
    inner join opportunity_stage_history
        on opportunities.opportunity_id = opportunity_stage_history.opportunity_id
    inner join funnel_steps
        on leads_in_funnels.funnel = funnel_steps.funnel
        and funnel_steps.event_source = 'opportunity_stage'
        and opportunity_stage_history.stage = funnel_steps.stage
),

events_unioned as (
    select * from lead_created_events
    union all
    select * from activity_events
    union all
    select * from opportunity_created_events
    union all
    select * from opportunity_stage_events
),

final as (
    -- distinct: an event matching two patterns of the same step qualifies for it once
    select distinct
        -- ids
        lead_id,
        event_id,

        -- strings
        funnel,
        step_name,
        event_source,

        -- numerics
        step_order,

        -- booleans
        coalesce(
            occurred_at >= lead_created_at and occurred_at < conversion_window_ends_at,
            false
        ) as is_within_conversion_window,

        -- timestamps
        occurred_at
    from events_unioned
)

select * from final
