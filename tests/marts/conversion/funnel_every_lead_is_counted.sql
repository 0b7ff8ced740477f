-- Every lead created is counted once per month cohort in funnel_conversion: in the step-1 lead count
-- of its funnel, or, when its initiative names no funnel, in unclassified_lead_count (repeated on
-- every row, so taken once). Fails with one row per month whose counts differ.

with

leads as (
    select * from {{ ref('int_leads_enriched') }}
),

funnel_conversion as (
    select * from {{ ref('funnel_conversion') }}
),

leads_per_month as (
    select
        cohort_month as cohort_start,
        count(*) as lead_count
    from leads
    group by cohort_month
),

counted_per_month as (
    select
        cohort_start,
        sum(case when step_order = 1 then lead_count else 0 end) as funnel_lead_count,
        max(unclassified_lead_count) as unclassified_lead_count
    from funnel_conversion
    where cohort_grain = 'month'
        and segment_type = 'overall'
    group by cohort_start
),

final as (
    select
        leads_per_month.cohort_start,
        leads_per_month.lead_count,
        counted_per_month.funnel_lead_count,
        counted_per_month.unclassified_lead_count
    from leads_per_month
    left join counted_per_month
        on leads_per_month.cohort_start = counted_per_month.cohort_start
    where counted_per_month.cohort_start is null
        or leads_per_month.lead_count
        != counted_per_month.funnel_lead_count + counted_per_month.unclassified_lead_count
)

select * from final
