with

activities as (
    select * from {{ ref('int_crm_activities_unioned') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

activity_outcomes as (
    select * from {{ ref('activity_outcomes') }}
),

outbound_calls as (
    select *
    from activities
    where activity_type = 'call'
        and direction = 'outbound'
),

-- the outbound funnel's `reached` step says which call outcomes mean the lead picked up
reached_patterns as (
    select *
    from funnel_steps
    where funnel = 'outbound'
        and step_name = 'reached'
),

reached_calls as (
    select distinct outbound_calls.activity_id
    from outbound_calls
    inner join reached_patterns
        on {{ funnel_activity_matches_step('reached_patterns', 'outbound_calls') }}
),

final as (
    select
        -- ids
        outbound_calls.activity_id,
        outbound_calls.lead_id,
        outbound_calls.owner_user_id,

        -- strings
        coalesce(outbound_calls.outcome, 'unknown') as outcome,

        -- numerics
        outbound_calls.duration_seconds,

        -- booleans
        coalesce(activity_outcomes.is_junk_dial, false) as is_junk_dial,
        reached_calls.activity_id is not null as is_reached,

        -- timestamps
        outbound_calls.occurred_at
    from outbound_calls
    left join reached_calls
        on outbound_calls.activity_id = reached_calls.activity_id
    left join activity_outcomes
        on outbound_calls.outcome = activity_outcomes.outcome
)

select * from final
