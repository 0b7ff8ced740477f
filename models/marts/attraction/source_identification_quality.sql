with

leads as (
    select * from {{ ref('int_leads_classified_for_attraction') }}
),

leads_by_period as (
    {{ rows_by_period_and_segment('leads', periods={'week': 'cohort_week', 'month': 'cohort_month'}) }}
),

-- every lead is a 'lead'; inbound leads are also a 'request'
leads_by_type as (
    select
        period_grain,
        period_start_date,
        'lead' as lead_type,
        is_channel_empty,
        is_channel_unmapped,
        is_campaign_unknown
    from leads_by_period

    union all

    select
        period_grain,
        period_start_date,
        'request' as lead_type,
        is_channel_empty,
        is_channel_unmapped,
        is_campaign_unknown
    from leads_by_period
    where is_request
),

sources_counted as (
    select
        period_grain,
        period_start_date,
        lead_type,
        count(*) as lead_count,
        sum(case when is_channel_empty then 1 else 0 end) as unknown_channel_count,
        sum(case when is_channel_unmapped then 1 else 0 end) as unmapped_channel_count,
        sum(case when is_campaign_unknown then 1 else 0 end) as unknown_campaign_count,
        sum(
            case
                when is_channel_empty or is_channel_unmapped or is_campaign_unknown then 1
                else 0
            end
        ) as unidentified_source_count
    from leads_by_type
    group by
        period_grain,
        period_start_date,
        lead_type
),

final as (
    select
        -- strings
        period_grain,
        lead_type,

        -- numerics
        cast(lead_count as bigint) as lead_count,
        cast(unknown_channel_count as bigint) as unknown_channel_count,
        cast(unmapped_channel_count as bigint) as unmapped_channel_count,
        cast(unknown_campaign_count as bigint) as unknown_campaign_count,
        cast(unidentified_source_count as bigint) as unidentified_source_count,
        {{ safe_divide('unknown_channel_count', 'lead_count') }} as unknown_channel_share,
        {{ safe_divide('unmapped_channel_count', 'lead_count') }} as unmapped_channel_share,
        {{ safe_divide('unknown_campaign_count', 'lead_count') }} as unknown_campaign_share,
        {{ safe_divide('unidentified_source_count', 'lead_count') }} as unidentified_source_share,

        -- dates
        period_start_date
    from sources_counted
)

select * from final
