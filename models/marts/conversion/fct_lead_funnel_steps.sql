with

leads as (
    select * from {{ ref('int_leads_enriched') }}
),

leads_assigned_to_funnels as (
    select * from {{ ref('int_leads_assigned_to_funnels') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

funnel_events as (
    select * from {{ ref('int_funnel_events_matched_to_steps') }}
),

outbound_calls as (
    select * from {{ ref('int_outbound_calls_classified') }}
),

steps as (
    select distinct
        funnel,
        step_name,
        step_order
    from funnel_steps
),

-- contact attempts are the events of a funnel's first activity step: outbound calls (dialed) in
-- the outbound funnel, outbound activities of any type (responded) in the inbound funnel
attempt_steps as (
    select
        funnel,
        min(step_order) as step_order
    from funnel_steps
    where event_source = 'activity'
    group by funnel
),

lead_steps as (
    select
        leads_assigned_to_funnels.lead_id,
        steps.funnel,
        steps.step_name,
        steps.step_order,
        leads_assigned_to_funnels.created_at,
        leads_assigned_to_funnels.conversion_window_ends_at
    from leads_assigned_to_funnels
    inner join steps
        on leads_assigned_to_funnels.funnel = steps.funnel
    where leads_assigned_to_funnels.is_in_funnel
),

events_in_window as (
    select *
    from funnel_events
    where is_within_conversion_window
),

first_events as (
    select
        lead_id,
        step_order,
        count(*) as qualifying_event_count,
        min(occurred_at) as first_event_at
    from events_in_window
    group by lead_id, step_order
),

steps_with_first_event as (
    select
        lead_steps.*,
        coalesce(first_events.qualifying_event_count, 0) as qualifying_event_count,
        first_events.first_event_at
    from lead_steps
    left join first_events
        on lead_steps.lead_id = first_events.lead_id
        and lead_steps.step_order = first_events.step_order
),

-- "reached this step or beyond": a step is passed when it or any later step was reached, at the
-- earliest such time, so counts never grow and times never go backwards along the funnel
steps_reached as (
    select
        *,
        min(first_event_at) over (
            partition by lead_id
            order by step_order desc
            rows between unbounded preceding and current row
        ) as reached_at
    from steps_with_first_event
),

attempt_events as (
    select
        events_in_window.lead_id,
        events_in_window.event_id,
        events_in_window.occurred_at
    from events_in_window
    inner join attempt_steps
        on events_in_window.funnel = attempt_steps.funnel
        and events_in_window.step_order = attempt_steps.step_order
),

attempts_counted as (
    select
        steps_reached.lead_id,
        steps_reached.step_order,
        count(attempt_events.event_id) as attempts_to_reach
    from steps_reached
    inner join attempt_events
        on steps_reached.lead_id = attempt_events.lead_id
        and steps_reached.reached_at >= attempt_events.occurred_at
    group by steps_reached.lead_id, steps_reached.step_order
),

lead_dials as (
    select
        outbound_calls.lead_id,
        count(*) as dial_count,
        sum(case when outbound_calls.is_junk_dial then 1 else 0 end) as junk_dial_count
    from outbound_calls
    inner join leads_assigned_to_funnels
        on outbound_calls.lead_id = leads_assigned_to_funnels.lead_id
    where outbound_calls.occurred_at >= leads_assigned_to_funnels.created_at
        and outbound_calls.occurred_at < leads_assigned_to_funnels.conversion_window_ends_at
    group by outbound_calls.lead_id
),

steps_with_previous as (
    select
        *,
        lag(reached_at) over (partition by lead_id order by step_order) as previous_step_reached_at
    from steps_reached
),

steps_timed as (
    select
        steps_with_previous.*,
        case
            when steps_with_previous.reached_at is not null
                then coalesce(attempts_counted.attempts_to_reach, 0)
        end as attempts_to_reach,
        {{ hours_between('steps_with_previous.previous_step_reached_at', 'steps_with_previous.reached_at') }}
            as hours_from_previous_step,
        {{ hours_between('steps_with_previous.created_at', 'steps_with_previous.reached_at') }}
            as hours_from_lead_created
    from steps_with_previous
    left join attempts_counted
        on steps_with_previous.lead_id = attempts_counted.lead_id
        and steps_with_previous.step_order = attempts_counted.step_order
),

final as (
    select
        -- ids
        steps_timed.lead_id,
        leads.campaign_id,
        leads.owner_user_id,

        -- strings
        steps_timed.funnel,
        steps_timed.step_name,
        leads.campaign_name,
        leads.channel_group,
        leads.channel,
        leads.team_name,
        leads.team_type,
        leads.lead_temperature,

        -- numerics
        cast(steps_timed.step_order as integer) as step_order,
        cast(steps_timed.attempts_to_reach as integer) as attempts_to_reach,
        cast(steps_timed.qualifying_event_count as integer) as qualifying_event_count,
        cast(steps_timed.hours_from_previous_step as double) as hours_from_previous_step,
        cast(steps_timed.hours_from_lead_created as double) as hours_from_lead_created,
        cast(coalesce(lead_dials.dial_count, 0) as integer) as lead_dial_count,
        cast(coalesce(lead_dials.junk_dial_count, 0) as integer) as lead_junk_dial_count,

        -- booleans
        steps_timed.reached_at is not null as is_reached,
        coalesce(
            steps_timed.reached_at is not null
            and (steps_timed.first_event_at is null or steps_timed.first_event_at > steps_timed.reached_at),
            false
        ) as is_implied,

        -- dates
        leads.cohort_week,
        leads.cohort_month,

        -- timestamps
        steps_timed.created_at as lead_created_at,
        steps_timed.conversion_window_ends_at,
        steps_timed.reached_at
    from steps_timed
    inner join leads
        on steps_timed.lead_id = leads.lead_id
    left join lead_dials
        on steps_timed.lead_id = lead_dials.lead_id
)

select * from final
