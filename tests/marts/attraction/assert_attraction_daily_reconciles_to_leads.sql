-- Every lead is counted once in attraction_daily, and requests and visits never exceed leads.
-- Fails with a row per broken check.
with

leads as (
    select * from {{ ref('int_leads_classified_for_attraction') }}
),

attraction_daily as (
    select * from {{ ref('attraction_daily') }}
),

expected as (
    select
        count(*) as lead_count,
        sum(case when is_request then 1 else 0 end) as request_count,
        sum(case when is_visit then 1 else 0 end) as visit_count
    from leads
),

reported as (
    select
        coalesce(sum(lead_count), 0) as lead_count,
        coalesce(sum(request_count), 0) as request_count,
        coalesce(sum(visit_count), 0) as visit_count
    from attraction_daily
),

totals_compared as (
    select
        'totals differ from int_leads_classified_for_attraction' as failure,
        expected.lead_count as expected_count,
        reported.lead_count as reported_count
    from expected
    cross join reported
    where expected.lead_count != reported.lead_count
        or coalesce(expected.request_count, 0) != reported.request_count
        or coalesce(expected.visit_count, 0) != reported.visit_count
),

rows_over_leads as (
    select
        'requests or visits above leads' as failure,
        lead_count as expected_count,
        request_count + visit_count as reported_count
    from attraction_daily
    where request_count > lead_count
        or visit_count > lead_count
)

select * from totals_compared
union all
select * from rows_over_leads
