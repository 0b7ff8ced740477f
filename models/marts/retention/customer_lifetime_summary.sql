with

purchase_days as (
    select * from {{ ref('int_purchase_days_netted_of_returns') }}
),

-- lifetimes.utils.summary_data_from_transaction_data(freq='D') on purchase days: frequency counts
-- the purchase days after the first, monetary_value averages their net amounts.
purchase_days_rolled_up as (
    select
        customer_id,
        count(*) - 1 as frequency,
        avg(case when purchase_day_number > 1 then net_amount end) as mean_repeat_net_amount,
        sum(net_amount) as net_revenue_amount,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        max(as_of_date) as as_of_date
    from purchase_days
    group by customer_id
),

final as (
    select
        -- ids
        customer_id,

        -- numerics
        cast(frequency as integer) as frequency,
        cast({{ dbt.datediff('first_purchase_date', 'last_purchase_date', 'day') }} as integer)  -- noqa: LT05
            as recency,
        cast({{ dbt.datediff('first_purchase_date', 'as_of_date', 'day') }} as integer) as t,  -- noqa: LT05
        cast(coalesce(mean_repeat_net_amount, 0) as decimal(18, 2)) as monetary_value,
        cast({{ dbt.datediff('last_purchase_date', 'as_of_date', 'day') }} as integer)  -- noqa: LT05
            as days_since_last_purchase,
        cast(net_revenue_amount as decimal(18, 2)) as net_revenue_amount,

        -- booleans
        frequency >= 1 as is_repeat_customer,

        -- dates
        first_purchase_date,
        last_purchase_date,
        as_of_date
    from purchase_days_rolled_up
)

select * from final
