{%- set hot_share_min, hot_share_max = hot_share_band() -%}
{%- set segments = ['overall', 'channel_group', 'channel', 'team'] -%}

with

leads as (
    select * from {{ ref('int_leads_classified_for_attraction') }}
),

new_won_clients as (
    select * from {{ ref('int_new_won_clients_counted_by_temperature') }}
),

-- a lead counts once as a new lead, in the period it was created
leads_by_period_and_segment as (
    {{ rows_by_period_and_segment(
        'leads',
        periods={'week': 'cohort_week', 'month': 'cohort_month'},
        segments=segments,
    ) }}
),

temperatures_counted as (
    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        count(*) as lead_count,
        sum(case when lead_temperature = 'hot' then 1 else 0 end) as hot_lead_count,
        sum(case when lead_temperature = 'warm' then 1 else 0 end) as warm_lead_count,
        sum(case when lead_temperature = 'cold' then 1 else 0 end) as cold_lead_count,
        sum(case when lead_temperature = 'unknown' then 1 else 0 end) as unknown_temperature_lead_count
    from leads_by_period_and_segment
    group by
        period_grain,
        period_start_date,
        segment_type,
        segment_value
),

-- and once as a new won client, in the period of its first win (counted in the intermediate model)
new_won_clients_in_segments as (
    select *
    from new_won_clients
    where segment_type in ('{{ segments | join("', '") }}')
),

leads_and_new_won_clients as (
    select
        coalesce(temperatures_counted.period_grain, new_won_clients_in_segments.period_grain) as period_grain,
        coalesce(temperatures_counted.segment_type, new_won_clients_in_segments.segment_type) as segment_type,
        coalesce(temperatures_counted.segment_value, new_won_clients_in_segments.segment_value) as segment_value,
        coalesce(temperatures_counted.lead_count, 0) as lead_count,
        coalesce(temperatures_counted.hot_lead_count, 0) as hot_lead_count,
        coalesce(temperatures_counted.warm_lead_count, 0) as warm_lead_count,
        coalesce(temperatures_counted.cold_lead_count, 0) as cold_lead_count,
        coalesce(temperatures_counted.unknown_temperature_lead_count, 0) as unknown_temperature_lead_count,
        coalesce(new_won_clients_in_segments.new_won_client_count, 0) as new_won_client_count,
        coalesce(new_won_clients_in_segments.hot_new_won_client_count, 0) as hot_new_won_client_count,
        new_won_clients_in_segments.hot_new_won_client_share,
        new_won_clients_in_segments.is_hot_share_in_band,
        coalesce(temperatures_counted.period_start_date, new_won_clients_in_segments.period_start_date)
            as period_start_date
    from temperatures_counted
    full outer join new_won_clients_in_segments
        on temperatures_counted.period_grain = new_won_clients_in_segments.period_grain
        and temperatures_counted.period_start_date = new_won_clients_in_segments.period_start_date
        and temperatures_counted.segment_type = new_won_clients_in_segments.segment_type
        and temperatures_counted.segment_value = new_won_clients_in_segments.segment_value
),

final as (
    select
        -- strings
        period_grain,
        segment_type,
        segment_value,

        -- numerics
        cast(lead_count as bigint) as lead_count,
        cast(hot_lead_count as bigint) as hot_lead_count,
        cast(warm_lead_count as bigint) as warm_lead_count,
        cast(cold_lead_count as bigint) as cold_lead_count,
        cast(unknown_temperature_lead_count as bigint) as unknown_temperature_lead_count,
        {{ safe_divide('hot_lead_count', 'lead_count') }} as hot_lead_share,
        {{ safe_divide('warm_lead_count', 'lead_count') }} as warm_lead_share,
        {{ safe_divide('cold_lead_count', 'lead_count') }} as cold_lead_share,
        {{ safe_divide('unknown_temperature_lead_count', 'lead_count') }} as unknown_temperature_lead_share,
        cast(new_won_client_count as bigint) as new_won_client_count,
        cast(hot_new_won_client_count as bigint) as hot_new_won_client_count,
        hot_new_won_client_share,
        cast({{ hot_share_min }} as double) as hot_share_band_min,
        cast({{ hot_share_max }} as double) as hot_share_band_max,

        -- booleans
        -- null (not false) when the period has no new won clients: nothing to judge
        is_hot_share_in_band,

        -- dates
        period_start_date
    from leads_and_new_won_clients
)

select * from final
