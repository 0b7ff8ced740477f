{#-
    The funnel rules of funnel_health read funnel_conversion; here the same counts are taken straight
    from the per-lead facts (fct_lead_funnel_steps, outbound funnel) and must match every cohort rule's
    numerator and denominator, for every period and segment. One row per disagreement or per row found
    on one side only.
-#}
with

funnel_health as (
    select * from {{ ref('funnel_health') }}
),

lead_funnel_steps as (
    select * from {{ ref('fct_lead_funnel_steps') }}
),

outbound_steps as (
    select
        cohort_week,
        cohort_month,
        coalesce(channel, 'unknown') as channel,
        coalesce(team_name, 'unassigned') as team_name,
        coalesce(owner_user_id, 'unassigned') as owner_user_id,
        step_name,
        case when is_reached then 1 else 0 end as reached
    from lead_funnel_steps
    where funnel = 'outbound'
),

steps_by_period as (
    select
        'week' as period_grain,
        outbound_steps.cohort_week as period_start_date,
        outbound_steps.*
    from outbound_steps

    union all

    select
        'month' as period_grain,
        outbound_steps.cohort_month as period_start_date,
        outbound_steps.*
    from outbound_steps
),

steps_by_segment as (
    select
        period_grain,
        period_start_date,
        'overall' as segment_type,
        'all' as segment_value,
        step_name,
        reached
    from steps_by_period

    union all

    select
        period_grain,
        period_start_date,
        'channel' as segment_type,
        channel as segment_value,
        step_name,
        reached
    from steps_by_period

    union all

    select
        period_grain,
        period_start_date,
        'team' as segment_type,
        team_name as segment_value,
        step_name,
        reached
    from steps_by_period

    union all

    select
        period_grain,
        period_start_date,
        'owner' as segment_type,
        owner_user_id as segment_value,
        step_name,
        reached
    from steps_by_period
),

step_counts as (
    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        sum(case when step_name = 'dialed' then reached else 0 end) as dialed,
        sum(case when step_name = 'reached' then reached else 0 end) as reached,
        sum(case when step_name = 'listened' then reached else 0 end) as listened,
        sum(case when step_name = 'agreed' then reached else 0 end) as agreed,
        sum(case when step_name = 'attended' then reached else 0 end) as attended,
        sum(case when step_name = 'price_discussed' then reached else 0 end) as price_discussed,
        sum(case when step_name = 'won' then reached else 0 end) as won
    from steps_by_segment
    group by period_grain, period_start_date, segment_type, segment_value
),

expected as (
    select
        *,
        'potential_to_contacted_ratio' as rule_id,
        dialed as numerator,
        reached as denominator
    from step_counts

    union all

    select
        *,
        'interested_share_of_contacted' as rule_id,
        listened as numerator,
        reached as denominator
    from step_counts

    union all

    select
        *,
        'price_discussion_share_of_interested' as rule_id,
        price_discussed as numerator,
        listened as denominator
    from step_counts

    union all

    select
        *,
        'presentation_attendance' as rule_id,
        attended as numerator,
        agreed as denominator
    from step_counts

    union all

    select
        *,
        'attendee_no_buy_share' as rule_id,
        attended - won as numerator,
        attended as denominator
    from step_counts
),

actual as (
    select *
    from funnel_health
    where period_basis = 'lead_created'
)

select
    coalesce(actual.period_grain, expected.period_grain) as period_grain,
    coalesce(actual.period_start_date, expected.period_start_date) as period_start_date,
    coalesce(actual.segment_type, expected.segment_type) as segment_type,
    coalesce(actual.segment_value, expected.segment_value) as segment_value,
    coalesce(actual.rule_id, expected.rule_id) as rule_id,
    actual.numerator_count,
    expected.numerator as expected_numerator_count,
    actual.denominator_count,
    expected.denominator as expected_denominator_count
from actual
full outer join expected
    on actual.period_grain = expected.period_grain
    and actual.period_start_date = expected.period_start_date
    and actual.segment_type = expected.segment_type
    and actual.segment_value = expected.segment_value
    and actual.rule_id = expected.rule_id
where actual.rule_id is null
    or expected.rule_id is null
    or actual.numerator_count != expected.numerator
    or actual.denominator_count != expected.denominator
