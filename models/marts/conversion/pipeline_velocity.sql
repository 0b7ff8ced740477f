with

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

bounds as (
    select
        cast({{ dbt.date_trunc('month', 'min(created_at)') }} as date) as first_month,
        cast({{ dbt.date_trunc('month', 'max(as_of_date)') }} as date) as last_month,
        max(as_of_date) as as_of_date
    from opportunities
),

months as (
    {{ month_spine('bounds') }}
),

periods as (
    select
        months.period_month,
        cast({{ dbt.dateadd('month', 1, 'months.period_month') }} as date) as next_period_start,
        bounds.as_of_date
    from months
    cross join bounds
),

-- every opportunity counts once in each segmentation
opportunity_segments as (
    {{ rows_by_period_and_segment('opportunities', segments=['overall', 'channel_group', 'team', 'owner']) }}
),

-- a deal belongs to the month it closed in
closed_in_period as (
    select
        opportunities.opportunity_id,
        periods.period_month,
        0 as is_open_at_period_end,
        case when opportunities.is_won then 1 else 0 end as is_won_in_period,
        case when opportunities.is_won then 0 else 1 end as is_lost_in_period,
        case when opportunities.amount is null then 1 else 0 end as is_closed_without_amount,
        case when opportunities.is_won then opportunities.amount end as won_amount,
        case when not opportunities.is_won then opportunities.amount end as lost_amount,
        case when opportunities.is_won then opportunities.sales_cycle_days end as won_sales_cycle_days
    from opportunities
    inner join periods
        on cast({{ dbt.date_trunc('month', 'opportunities.closed_at') }} as date) = periods.period_month
    where opportunities.is_closed
),

-- open at the end of a month: created before the month ended, not closed by then
open_at_period_end as (
    select
        opportunities.opportunity_id,
        periods.period_month,
        1 as is_open_at_period_end,
        0 as is_won_in_period,
        0 as is_lost_in_period,
        0 as is_closed_without_amount,
        cast(null as decimal(18, 2)) as won_amount,
        cast(null as decimal(18, 2)) as lost_amount,
        cast(null as integer) as won_sales_cycle_days
    from opportunities
    inner join periods
        on opportunities.created_at < cast(periods.next_period_start as timestamp)
        and (
            opportunities.is_open
            or opportunities.closed_at >= cast(periods.next_period_start as timestamp)
        )
),

opportunity_periods as (
    select * from closed_in_period
    union all
    select * from open_at_period_end
),

segment_periods as (
    select
        opportunity_periods.period_month,
        opportunity_segments.segment_type,
        opportunity_segments.segment_value,
        sum(opportunity_periods.is_open_at_period_end) as open_opportunity_count,
        sum(opportunity_periods.is_won_in_period) as won_count,
        sum(opportunity_periods.is_lost_in_period) as lost_count,
        sum(opportunity_periods.is_closed_without_amount) as closed_without_amount_count,
        sum(opportunity_periods.won_amount) as won_amount,
        sum(opportunity_periods.lost_amount) as lost_amount,
        avg(opportunity_periods.won_amount) as average_won_amount,
        avg(cast(opportunity_periods.won_sales_cycle_days as double)) as average_sales_cycle_days
    from opportunity_periods
    inner join opportunity_segments
        on opportunity_periods.opportunity_id = opportunity_segments.opportunity_id
    group by
        opportunity_periods.period_month,
        opportunity_segments.segment_type,
        opportunity_segments.segment_value
),

segment_period_rates as (
    select
        *,
        {{ safe_divide('won_count', 'won_count + lost_count') }} as win_rate_by_count,
        {{ safe_divide('coalesce(won_amount, 0)', 'coalesce(won_amount, 0) + coalesce(lost_amount, 0)') }}
            as win_rate_by_amount
    from segment_periods
),

final as (
    select
        -- strings
        segment_period_rates.segment_type,
        segment_period_rates.segment_value,

        -- numerics
        cast(segment_period_rates.open_opportunity_count as bigint) as open_opportunity_count,
        cast(segment_period_rates.won_count as bigint) as won_count,
        cast(segment_period_rates.lost_count as bigint) as lost_count,
        cast(segment_period_rates.closed_without_amount_count as bigint) as closed_without_amount_count,
        cast(coalesce(segment_period_rates.won_amount, 0) as decimal(18, 2)) as won_amount,
        cast(coalesce(segment_period_rates.lost_amount, 0) as decimal(18, 2)) as lost_amount,
        segment_period_rates.win_rate_by_count,
        segment_period_rates.win_rate_by_amount,
        cast(segment_period_rates.average_won_amount as decimal(18, 2)) as average_won_amount,
        segment_period_rates.average_sales_cycle_days,
        -- Salesforce's formula: open deals × win rate × average deal ÷ cycle length = money per day;
        -- null when any factor is unknown or the cycle averages 0 days
        cast(
            {{ safe_divide(
                'segment_period_rates.open_opportunity_count * segment_period_rates.win_rate_by_count'
                ~ ' * segment_period_rates.average_won_amount',
                'segment_period_rates.average_sales_cycle_days'
            ) }} as decimal(18, 2)
        ) as pipeline_velocity_per_day_amount,

        -- booleans
        periods.next_period_start <= periods.as_of_date as is_period_complete,

        -- dates
        segment_period_rates.period_month
    from segment_period_rates
    inner join periods
        on segment_period_rates.period_month = periods.period_month
)

select * from final
