with

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

purchase_days as (
    select * from {{ ref('int_purchase_days_netted_of_returns') }}
),

receipts as (
    select * from {{ ref('stg_pos__receipts') }}
),

won_deals as (
    select
        'won_deal' as conversion_type,
        opportunity_id as conversion_id,
        lead_id,
        amount as converted_amount,
        true as is_amount_final,
        -- the closing stage's entry stands in when the CRM left closed_at empty
        coalesce(closed_at, current_stage_entered_at) as converted_at
    from opportunities
    where is_won
),

-- the time of the first sale, so that a touch later on the day of the first purchase does not count
first_sales as (
    select
        customer_id,
        min(occurred_at) as first_sale_at
    from receipts
    where not is_return
        and customer_id is not null
    group by customer_id
),

first_year_revenue as (
    select
        customer_id,
        sum(case when days_since_first_purchase < 365 then net_amount else 0 end) as net_revenue_amount
    from purchase_days
    group by customer_id
),

new_customers as (
    select
        'new_customer' as conversion_type,
        customers.customer_id as conversion_id,
        customers.matched_lead_id as lead_id,
        first_year_revenue.net_revenue_amount as converted_amount,
        -- final once the as-of date is 365 days (days 0 .. 364) past the first purchase
        customers.as_of_date >= cast({{ dbt.dateadd('day', 364, 'customers.first_purchase_date') }} as date)
            as is_amount_final,
        first_sales.first_sale_at as converted_at
    from customers
    inner join first_year_revenue
        on customers.customer_id = first_year_revenue.customer_id
    left join first_sales
        on customers.customer_id = first_sales.customer_id
    where customers.is_acquired_through_lead
),

conversions as (
    select * from won_deals
    union all
    select * from new_customers
),

final as (
    select
        -- ids
        conversion_id,
        lead_id,

        -- strings
        conversion_type,

        -- numerics
        cast(converted_amount as decimal(18, 2)) as converted_amount,

        -- booleans
        is_amount_final,

        -- dates
        cast(converted_at as date) as converted_date,

        -- timestamps
        converted_at
    from conversions
)

select * from final
