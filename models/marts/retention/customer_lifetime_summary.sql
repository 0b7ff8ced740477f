with

purchase_days_rolled_up_to_customers as (
    select * from {{ ref('int_purchase_days_rolled_up_to_customers') }}
),

-- lifetimes.utils.summary_data_from_transaction_data(freq='D') on purchase days: frequency counts
-- the purchase days after the first, monetary_value averages their net amounts.
final as (
    select
        -- ids
        customer_id,

        -- numerics
        cast(purchase_day_count - 1 as integer) as frequency,
        cast({{ dbt.datediff('first_purchase_date', 'last_purchase_date', 'day') }} as integer)  -- noqa: LT05
            as recency,
        cast({{ dbt.datediff('first_purchase_date', 'as_of_date', 'day') }} as integer) as t,  -- noqa: LT05
        cast(coalesce(mean_repeat_net_amount, 0) as decimal(18, 2)) as monetary_value,
        cast({{ dbt.datediff('last_purchase_date', 'as_of_date', 'day') }} as integer)  -- noqa: LT05
            as days_since_last_purchase,
        cast(net_revenue_amount as decimal(18, 2)) as net_revenue_amount,

        -- booleans
        purchase_day_count >= 2 as is_repeat_customer,

        -- dates
        first_purchase_date,
        last_purchase_date,
        as_of_date
    from purchase_days_rolled_up_to_customers
)

select * from final
