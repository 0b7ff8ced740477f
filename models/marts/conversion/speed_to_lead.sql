with

inbound_leads as (
    select * from {{ ref('int_inbound_leads_timed_to_first_response') }}
),

leads as (
    select * from {{ ref('int_leads_enriched') }}
),

inbound_leads_with_segments as (
    select
        inbound_leads.*,
        leads.cohort_week,
        leads.cohort_month,
        leads.channel,
        leads.campaign_id,
        leads.campaign_name,
        leads.team_name,
        leads.owner_user_id,
        leads.lead_temperature
    from inbound_leads
    inner join leads
        on inbound_leads.lead_id = leads.lead_id
),

leads_by_period_and_segment as (
    {{ conversion_rows_by_cohort_and_segment('inbound_leads_with_segments') }}
),

final as (
    select
        -- strings
        period_grain,
        segment_type,
        segment_value,
        segment_label,

        -- numerics
        cast(count(*) as integer) as request_count,
        cast(sum(case when is_responded then 1 else 0 end) as integer) as responded_count,
        cast(sum(case when is_responded then 0 else 1 end) as integer) as not_yet_responded_count,
        {{ safe_divide('sum(case when is_responded then 1 else 0 end)', 'count(*)') }} as response_rate,
        cast({{ percentile_cont('minutes_to_first_response', 0.5) }} as double)
            as median_minutes_to_first_response,
        cast({{ percentile_cont('minutes_to_first_response', 0.9) }} as double)
            as p90_minutes_to_first_response,

        -- dates
        period_start_date as period_start
    from leads_by_period_and_segment
    group by
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        segment_label
)

select * from final
