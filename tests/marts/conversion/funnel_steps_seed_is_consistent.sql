-- The funnel_steps seed must describe well-formed funnels: steps numbered 1, 2, 3, ... without gaps,
-- one name per step and one step per name, `stage` given exactly on opportunity_stage rows, and the
-- activity columns only on activity rows. Fails with one row per problem.

with

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

steps as (
    select
        funnel,
        step_order,
        count(distinct step_name) as step_name_count
    from funnel_steps
    group by funnel, step_order
),

step_names as (
    select
        funnel,
        step_name,
        count(distinct step_order) as step_order_count
    from funnel_steps
    group by funnel, step_name
),

funnels as (
    select
        funnel,
        min(step_order) as first_step_order,
        max(step_order) as last_step_order,
        count(*) as step_count
    from steps
    group by funnel
),

problems as (
    select
        funnel,
        'steps are not numbered 1..n without gaps' as problem
    from funnels
    where first_step_order != 1 or last_step_order != step_count

    union all

    select
        funnel,
        'a step has several names' as problem
    from steps
    where step_name_count > 1

    union all

    select
        funnel,
        'a step name is used by several steps' as problem
    from step_names
    where step_order_count > 1

    union all

    select
        funnel,
        'stage missing on an opportunity_stage row, or given on another row' as problem
    from funnel_steps
    where (event_source = 'opportunity_stage') != (stage is not null)

    union all

    select
        funnel,
        'activity columns given on a row that is not an activity row' as problem
    from funnel_steps
    where event_source != 'activity'
        and (activity_type is not null or direction is not null or outcome is not null)
),

final as (
    select * from problems
)

select * from final
