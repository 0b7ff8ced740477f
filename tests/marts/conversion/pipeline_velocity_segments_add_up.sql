-- Each segmentation splits the overall figures without loss or double counting: per month, the
-- open, won and lost counts of every segment type sum to the overall row; and the overall won and
-- lost counts over all months equal the closed opportunities (closed up to the as-of month).
with

pipeline_velocity as (
    select * from {{ ref('pipeline_velocity') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

segment_sums as (
    select
        period_month,
        segment_type,
        sum(open_opportunity_count) as open_opportunity_count,
        sum(won_count) as won_count,
        sum(lost_count) as lost_count
    from pipeline_velocity
    group by period_month, segment_type
),

overall as (
    select * from segment_sums
    where segment_type = 'overall'
),

segment_mismatches as (
    select
        segment_sums.period_month,
        segment_sums.segment_type,
        'segment sums differ from overall' as problem
    from segment_sums
    inner join overall
        on segment_sums.period_month = overall.period_month
    where
        segment_sums.open_opportunity_count != overall.open_opportunity_count
        or segment_sums.won_count != overall.won_count
        or segment_sums.lost_count != overall.lost_count
),

closed_opportunities as (
    select
        sum(case when is_won then 1 else 0 end) as won_count,
        sum(case when is_won then 0 else 1 end) as lost_count
    from opportunities
    where
        is_closed
        and closed_at < {{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'as_of_date')) }}
),

overall_totals as (
    select
        coalesce(sum(won_count), 0) as won_count,
        coalesce(sum(lost_count), 0) as lost_count
    from overall
),

total_mismatch as (
    select
        cast(null as date) as period_month,
        cast('overall' as varchar(20)) as segment_type,
        'overall closed counts differ from fct_opportunities' as problem
    from closed_opportunities
    cross join overall_totals
    where
        coalesce(closed_opportunities.won_count, 0) != overall_totals.won_count
        or coalesce(closed_opportunities.lost_count, 0) != overall_totals.lost_count
)

select * from segment_mismatches
union all
select * from total_mismatch
