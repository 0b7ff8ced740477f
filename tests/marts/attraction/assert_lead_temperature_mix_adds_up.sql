-- In lead_temperature_mix the four temperatures add up to the new leads of each row, and for every
-- period the rows of each segment type add up to the `overall` row (each lead is in exactly one
-- channel group, channel and team). Fails with a row per mismatch.
with

lead_temperature_mix as (
    select * from {{ ref('lead_temperature_mix') }}
),

temperatures_not_adding_up as (
    select
        'temperatures do not add up to lead_count' as failure,
        period_grain,
        period_start_date,
        segment_type
    from lead_temperature_mix
    where hot_lead_count + warm_lead_count + cold_lead_count + unknown_temperature_lead_count
        != lead_count
        or hot_lead_count > lead_count
        or hot_new_won_client_count > new_won_client_count
),

segments_summed as (
    select
        period_grain,
        period_start_date,
        segment_type,
        sum(lead_count) as lead_count,
        sum(hot_lead_count) as hot_lead_count,
        sum(new_won_client_count) as new_won_client_count,
        sum(hot_new_won_client_count) as hot_new_won_client_count
    from lead_temperature_mix
    where segment_type != 'overall'
    group by
        period_grain,
        period_start_date,
        segment_type
),

overall as (
    select * from lead_temperature_mix
    where segment_type = 'overall'
),

segments_not_adding_up as (
    select
        'segment rows do not add up to the overall row' as failure,
        segments_summed.period_grain,
        segments_summed.period_start_date,
        segments_summed.segment_type
    from segments_summed
    left join overall
        on segments_summed.period_grain = overall.period_grain
        and segments_summed.period_start_date = overall.period_start_date
    where overall.period_grain is null
        or segments_summed.lead_count != overall.lead_count
        or segments_summed.hot_lead_count != overall.hot_lead_count
        or segments_summed.new_won_client_count != overall.new_won_client_count
        or segments_summed.hot_new_won_client_count != overall.hot_new_won_client_count
)

select * from temperatures_not_adding_up
union all
select * from segments_not_adding_up
