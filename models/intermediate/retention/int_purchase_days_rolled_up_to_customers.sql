with

purchase_days as (
    select * from {{ ref('int_purchase_days_netted_of_returns') }}
),

final as (
    select
        -- ids
        customer_id,
        max(case when purchase_day_number = 1 then first_store_id end) as first_purchase_store_id,

        -- numerics
        cast(sum(sale_receipt_count) as integer) as purchase_count,
        cast(count(*) as integer) as purchase_day_count,
        cast(sum(return_receipt_count) as integer) as return_count,
        cast(sum(sales_amount) as decimal(18, 2)) as gross_sales_amount,
        cast(sum(returns_amount) as decimal(18, 2)) as returns_amount,
        cast(sum(net_amount) as decimal(18, 2)) as net_revenue_amount,
        -- lifetimes' monetary value: the mean net amount of the purchase days after the first
        avg(case when purchase_day_number > 1 then net_amount end) as mean_repeat_net_amount,

        -- dates
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        max(as_of_date) as as_of_date
    from purchase_days
    group by customer_id
)

select * from final
