{#-
    The hot-share rules of funnel_health count new won clients along their own path
    (int_new_won_clients_counted_by_temperature); lead_temperature_mix counts them along the attraction
    path. Both must agree on every period and on the segments they share (overall, team); one row per
    disagreement or per period and segment found on one side only.
-#}
with

funnel_health as (
    select * from {{ ref('funnel_health') }}
),

lead_temperature_mix as (
    select * from {{ ref('lead_temperature_mix') }}
),

health_counts as (
    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        numerator_count as hot_new_won_client_count,
        denominator_count as new_won_client_count
    from funnel_health
    where rule_id = 'hot_share_of_new_clients_low'
        and segment_type in ('overall', 'team')
),

mix_counts as (
    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        hot_new_won_client_count,
        new_won_client_count
    from lead_temperature_mix
    where segment_type in ('overall', 'team')
        and new_won_client_count > 0
)

select
    coalesce(health_counts.period_grain, mix_counts.period_grain) as period_grain,
    coalesce(health_counts.period_start_date, mix_counts.period_start_date) as period_start_date,
    coalesce(health_counts.segment_type, mix_counts.segment_type) as segment_type,
    coalesce(health_counts.segment_value, mix_counts.segment_value) as segment_value,
    health_counts.new_won_client_count as health_new_won_client_count,
    mix_counts.new_won_client_count as mix_new_won_client_count,
    health_counts.hot_new_won_client_count as health_hot_new_won_client_count,
    mix_counts.hot_new_won_client_count as mix_hot_new_won_client_count
from health_counts
full outer join mix_counts
    on health_counts.period_grain = mix_counts.period_grain
    and health_counts.period_start_date = mix_counts.period_start_date
    and health_counts.segment_type = mix_counts.segment_type
    and health_counts.segment_value = mix_counts.segment_value
where health_counts.period_grain is null
    or mix_counts.period_grain is null
    or health_counts.new_won_client_count != mix_counts.new_won_client_count
    or health_counts.hot_new_won_client_count != mix_counts.hot_new_won_client_count
