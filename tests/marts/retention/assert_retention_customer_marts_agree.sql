-- dim_customers and customer_lifetime_summary roll up the same purchase days along different paths:
-- every customer must be in both, with frequency = purchase days - 1, the same first and last
-- purchase days and the same net revenue; customer_rfm must score each of them once.

with

customers as (
    select * from {{ ref('dim_customers') }}
),

lifetime_summary as (
    select * from {{ ref('customer_lifetime_summary') }}
),

customer_rfm as (
    select * from {{ ref('customer_rfm') }}
),

compared as (
    select
        coalesce(customers.customer_id, lifetime_summary.customer_id) as customer_id,
        customers.purchase_day_count,
        lifetime_summary.frequency,
        customers.net_revenue_amount as dim_net_revenue_amount,
        lifetime_summary.net_revenue_amount as summary_net_revenue_amount,
        customer_rfm.customer_id as rfm_customer_id
    from customers
    full outer join lifetime_summary
        on customers.customer_id = lifetime_summary.customer_id
    left join customer_rfm
        on lifetime_summary.customer_id = customer_rfm.customer_id
    where customers.customer_id is null
        or lifetime_summary.customer_id is null
        or customer_rfm.customer_id is null
        or lifetime_summary.frequency != customers.purchase_day_count - 1
        or lifetime_summary.first_purchase_date != customers.first_purchase_date
        or lifetime_summary.last_purchase_date != customers.last_purchase_date
        or lifetime_summary.net_revenue_amount != customers.net_revenue_amount
        or lifetime_summary.as_of_date != customers.as_of_date
),

final as (
    select * from compared
)

select * from final
