with

customer_rfm as (
    select * from {{ ref('customer_rfm') }}
),

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
),

totals as (
    select
        count(*) as customer_count,
        sum(net_revenue_amount) as net_revenue_amount,
        max(as_of_date) as as_of_date
    from customer_rfm
),

customers_rolled_up_to_segments as (
    select
        rfm_segment,
        count(*) as customer_count,
        sum(case when is_repeat_customer then 1 else 0 end) as repeat_customer_count,
        sum(case when is_lapsed then 1 else 0 end) as lapsed_customer_count,
        sum(net_revenue_amount) as net_revenue_amount
    from customer_rfm
    group by rfm_segment
),

-- Every segment of the seed, also those without customers.
final as (
    select
        -- strings
        rfm_segments.segment_name as rfm_segment,

        -- numerics
        cast(rfm_segments.segment_order as integer) as segment_order,
        cast(coalesce(customers_rolled_up_to_segments.customer_count, 0) as integer) as customer_count,
        {{ safe_divide(
            'coalesce(customers_rolled_up_to_segments.customer_count, 0)', 'totals.customer_count'
        ) }} as customer_share,
        {{ safe_divide(
            'customers_rolled_up_to_segments.repeat_customer_count',
            'customers_rolled_up_to_segments.customer_count'
        ) }} as repeat_purchase_rate,
        cast(coalesce(customers_rolled_up_to_segments.lapsed_customer_count, 0) as integer)
            as lapsed_customer_count,
        {{ safe_divide(
            'customers_rolled_up_to_segments.lapsed_customer_count',
            'customers_rolled_up_to_segments.customer_count'
        ) }} as lapsed_rate,
        cast(coalesce(customers_rolled_up_to_segments.net_revenue_amount, 0) as decimal(18, 2))
            as net_revenue_amount,

        -- dates
        totals.as_of_date
    from rfm_segments
    cross join totals
    left join customers_rolled_up_to_segments
        on rfm_segments.segment_name = customers_rolled_up_to_segments.rfm_segment
)

select * from final
