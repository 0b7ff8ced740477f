{%- set hot_share_min, hot_share_max = hot_share_band() -%}

with

leads as (
    select * from {{ ref('int_leads_classified_for_attraction') }}
),

-- a lead becomes a new won client when its first opportunity is won, whenever it was created
new_won_clients as (
    select *
    from leads
    where is_won
),

new_won_clients_by_period_and_segment as (
    {{ rows_by_period_and_segment(
        'new_won_clients',
        periods={'week': 'won_week', 'month': 'won_month'},
        segments=['overall', 'channel_group', 'channel', 'team', 'owner'],
    ) }}
),

new_won_clients_counted as (
    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        count(*) as new_won_client_count,
        sum(case when lead_temperature = 'hot' then 1 else 0 end) as hot_new_won_client_count
    from new_won_clients_by_period_and_segment
    group by
        period_grain,
        period_start_date,
        segment_type,
        segment_value
),

shares_computed as (
    select
        *,
        {{ safe_divide('hot_new_won_client_count', 'new_won_client_count') }} as hot_new_won_client_share
    from new_won_clients_counted
),

final as (
    select
        -- strings
        period_grain,
        segment_type,
        segment_value,

        -- numerics
        cast(new_won_client_count as bigint) as new_won_client_count,
        cast(hot_new_won_client_count as bigint) as hot_new_won_client_count,
        hot_new_won_client_share,

        -- booleans
        hot_new_won_client_share >= cast({{ hot_share_min }} as double)
        and hot_new_won_client_share <= cast({{ hot_share_max }} as double) as is_hot_share_in_band,

        -- dates
        period_start_date
    from shares_computed
)

select * from final
