-- The dayparts split the day's visitors without gap or overlap, the peak hour holds no more than
-- the day, and the mart keeps every visitor the door counter delivered.
with

store_traffic as (
    select * from {{ ref('stg_pos__store_traffic') }}
),

store_footfall_daily as (
    select * from {{ ref('store_footfall_daily') }}
),

counter_total as (
    select coalesce(sum(visitor_count), 0) as visitor_count from store_traffic
),

mart_total as (
    select coalesce(sum(visitor_count), 0) as visitor_count from store_footfall_daily
),

daypart_mismatches as (
    select
        store_id,
        business_date,
        'dayparts or peak do not add up' as problem
    from store_footfall_daily
    where
        morning_visitor_count + afternoon_visitor_count + evening_visitor_count != visitor_count
        or peak_hour_visitor_count > visitor_count
),

total_mismatch as (
    select
        cast(null as varchar(20)) as store_id,
        cast(null as date) as business_date,
        'mart total differs from the counter total' as problem
    from counter_total
    cross join mart_total
    where counter_total.visitor_count != mart_total.visitor_count
)

select * from daypart_mismatches
union all
select * from total_mismatch
