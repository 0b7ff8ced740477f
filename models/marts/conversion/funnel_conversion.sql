with

lead_funnel_steps as (
    select * from {{ ref('fct_lead_funnel_steps') }}
),

leads as (
    select * from {{ ref('int_leads_enriched') }}
),

leads_assigned_to_funnels as (
    select * from {{ ref('int_leads_assigned_to_funnels') }}
),

lead_steps_by_cohort_and_segment as (
    {{ conversion_rows_by_cohort_and_segment('lead_funnel_steps') }}
),

steps_aggregated as (
    select
        period_grain,
        period_start_date,
        funnel,
        segment_type,
        segment_value,
        segment_label,
        step_order,
        step_name,
        count(*) as lead_count,
        sum(case when is_reached then 1 else 0 end) as reached_count,
        sum(case when is_implied then 1 else 0 end) as implied_count,
        {{ percentile_cont('hours_from_previous_step', 0.5) }} as median_hours_from_previous_step,
        {{ percentile_cont('hours_from_previous_step', 0.9) }} as p90_hours_from_previous_step,
        {{ percentile_cont('hours_from_lead_created', 0.5) }} as median_hours_from_lead_created,
        {{ percentile_cont('hours_from_lead_created', 0.9) }} as p90_hours_from_lead_created,
        -- lead-level dial counts repeat on every step row: summed once, on step 1
        sum(case when step_order = 1 then lead_dial_count end) as dial_count,
        sum(case when step_order = 1 then lead_junk_dial_count end) as junk_dial_count,
        sum(
            case
                when step_order = 1 and lead_dial_count > 0 and lead_junk_dial_count = lead_dial_count then 1
                when step_order = 1 then 0
            end
        ) as junk_only_lead_count
    from lead_steps_by_cohort_and_segment
    group by
        period_grain,
        period_start_date,
        funnel,
        segment_type,
        segment_value,
        segment_label,
        step_order,
        step_name
),

steps_compared as (
    select
        *,
        lag(reached_count) over (
            partition by period_grain, period_start_date, funnel, segment_type, segment_value
            order by step_order
        ) as previous_step_reached_count,
        max(case when step_order = 1 then reached_count end) over (
            partition by period_grain, period_start_date, funnel, segment_type, segment_value
        ) as first_step_reached_count
    from steps_aggregated
),

unclassified_leads as (
    select leads.*
    from leads
    inner join leads_assigned_to_funnels
        on leads.lead_id = leads_assigned_to_funnels.lead_id
    where not leads_assigned_to_funnels.is_in_funnel
),

unclassified_leads_by_cohort_and_segment as (
    {{ conversion_rows_by_cohort_and_segment('unclassified_leads') }}
),

unclassified_leads_counted as (
    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        count(*) as unclassified_lead_count
    from unclassified_leads_by_cohort_and_segment
    group by period_grain, period_start_date, segment_type, segment_value
),

final as (
    select
        -- strings
        steps_compared.period_grain as cohort_grain,
        steps_compared.funnel,
        steps_compared.segment_type,
        steps_compared.segment_value,
        steps_compared.segment_label,
        steps_compared.step_name,

        -- numerics
        cast(steps_compared.step_order as integer) as step_order,
        cast(steps_compared.lead_count as integer) as lead_count,
        cast(steps_compared.reached_count as integer) as reached_count,
        cast(steps_compared.implied_count as integer) as implied_count,
        cast(steps_compared.previous_step_reached_count as integer) as previous_step_reached_count,
        {{ safe_divide('steps_compared.reached_count', 'steps_compared.previous_step_reached_count') }}
            as step_conversion_rate,
        {{ safe_divide('steps_compared.reached_count', 'steps_compared.first_step_reached_count') }}
            as overall_conversion_rate,
        {{ safe_divide('steps_compared.reached_count', 'steps_compared.lead_count') }} as lead_conversion_rate,
        cast(steps_compared.median_hours_from_previous_step as double) as median_hours_from_previous_step,
        cast(steps_compared.p90_hours_from_previous_step as double) as p90_hours_from_previous_step,
        cast(steps_compared.median_hours_from_lead_created as double) as median_hours_from_lead_created,
        cast(steps_compared.p90_hours_from_lead_created as double) as p90_hours_from_lead_created,
        cast(steps_compared.dial_count as integer) as dial_count,
        cast(steps_compared.junk_dial_count as integer) as junk_dial_count,
        {{ safe_divide('steps_compared.junk_dial_count', 'steps_compared.dial_count') }} as junk_dial_share,
        cast(steps_compared.junk_only_lead_count as integer) as junk_only_lead_count,
        cast(coalesce(unclassified_leads_counted.unclassified_lead_count, 0) as integer)
            as unclassified_lead_count,

        -- dates
        steps_compared.period_start_date as cohort_start
    from steps_compared
    left join unclassified_leads_counted
        on steps_compared.period_grain = unclassified_leads_counted.period_grain
        and steps_compared.period_start_date = unclassified_leads_counted.period_start_date
        and steps_compared.segment_type = unclassified_leads_counted.segment_type
        and steps_compared.segment_value = unclassified_leads_counted.segment_value
)

select * from final
