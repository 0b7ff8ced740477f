{%- set hot_share_min = setting('hot_share_min', 'number') -%}
{%- set hot_share_max = setting('hot_share_max', 'number') -%}
{%- if hot_share_min > hot_share_max -%}
    {{ exceptions.raise_compiler_error(
        "var 'hot_share_min' (" ~ hot_share_min ~ ") is above 'hot_share_max' (" ~ hot_share_max ~ ")"
    ) }}
{%- endif -%}

with

leads as (
    select * from {{ ref('int_leads_classified_for_attraction') }}
),

-- a lead counts once as a new lead (when created) and once as a new won client (when first won)
lead_events as (
    select
        'new_lead' as event_type,
        channel_group,
        channel,
        team_name,
        lead_temperature,
        cohort_week as event_week,
        cohort_month as event_month
    from leads

    union all

    select
        'new_won_client' as event_type,
        channel_group,
        channel,
        team_name,
        lead_temperature,
        won_week as event_week,
        won_month as event_month
    from leads
    where is_won
),

events_by_period as (
    {{ attraction_periods('lead_events', 'event_week', 'event_month') }}
),

events_by_segment as (
    select
        period_grain,
        period_start_date,
        'overall' as segment_type,
        'all' as segment_value,
        event_type,
        lead_temperature
    from events_by_period

    union all

    select
        period_grain,
        period_start_date,
        'channel_group' as segment_type,
        channel_group as segment_value,
        event_type,
        lead_temperature
    from events_by_period

    union all

    select
        period_grain,
        period_start_date,
        'channel' as segment_type,
        channel as segment_value,
        event_type,
        lead_temperature
    from events_by_period

    union all

    select
        period_grain,
        period_start_date,
        'team' as segment_type,
        team_name as segment_value,
        event_type,
        lead_temperature
    from events_by_period
),

temperatures_counted as (
    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        sum(case when event_type = 'new_lead' then 1 else 0 end) as lead_count,
        sum(case when event_type = 'new_lead' and lead_temperature = 'hot' then 1 else 0 end)
            as hot_lead_count,
        sum(case when event_type = 'new_lead' and lead_temperature = 'warm' then 1 else 0 end)
            as warm_lead_count,
        sum(case when event_type = 'new_lead' and lead_temperature = 'cold' then 1 else 0 end)
            as cold_lead_count,
        sum(case when event_type = 'new_lead' and lead_temperature = 'unknown' then 1 else 0 end)
            as unknown_temperature_lead_count,
        sum(case when event_type = 'new_won_client' then 1 else 0 end) as new_won_client_count,
        sum(case when event_type = 'new_won_client' and lead_temperature = 'hot' then 1 else 0 end)
            as hot_new_won_client_count
    from events_by_segment
    group by
        period_grain,
        period_start_date,
        segment_type,
        segment_value
),

shares_computed as (
    select
        *,
        {{ safe_divide('hot_lead_count', 'lead_count') }} as hot_lead_share,
        {{ safe_divide('warm_lead_count', 'lead_count') }} as warm_lead_share,
        {{ safe_divide('cold_lead_count', 'lead_count') }} as cold_lead_share,
        {{ safe_divide('unknown_temperature_lead_count', 'lead_count') }} as unknown_temperature_lead_share,
        {{ safe_divide('hot_new_won_client_count', 'new_won_client_count') }} as hot_new_won_client_share,
        cast({{ hot_share_min }} as double) as hot_share_band_min,
        cast({{ hot_share_max }} as double) as hot_share_band_max
    from temperatures_counted
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
        hot_lead_share,
        warm_lead_share,
        cold_lead_share,
        unknown_temperature_lead_share,
        cast(new_won_client_count as bigint) as new_won_client_count,
        cast(hot_new_won_client_count as bigint) as hot_new_won_client_count,
        hot_new_won_client_share,
        hot_share_band_min,
        hot_share_band_max,

        -- booleans
        -- null (not false) when the period has no new won clients: nothing to judge
        hot_new_won_client_share >= hot_share_band_min
        and hot_new_won_client_share <= hot_share_band_max as is_hot_share_in_band,

        -- dates
        period_start_date
    from shares_computed
)

select * from final
