{%- set revenue_windows_days = [90, 180, 365] -%}

with

customers as (
    select * from {{ ref('dim_customers') }}
),

purchase_days as (
    select * from {{ ref('int_purchase_days_netted_of_returns') }}
),

spend as (
    select * from {{ ref('stg_marketing__spend') }}
),

customer_lifetime_values as (
    select * from {{ source('clv_fit', 'customer_lifetime_value') }}
),

as_of as (
    select max(as_of_date) as as_of_date
    from customers
),

-- Net amount of each customer's purchase days in the first N days: days 0 .. N-1 after the first.
customers_with_window_revenue as (
    select
        customers.customer_id,
        customers.acquisition_channel,
        customers.acquisition_channel_group,
        customers.is_repeat_customer,
        cast({{ dbt.date_trunc('month', 'customers.first_purchase_date') }} as date) as cohort_month,
        {%- for days in revenue_windows_days %}
        sum(
            case
                when purchase_days.days_since_first_purchase < {{ days }} then purchase_days.net_amount
                else 0
            end
        ) as net_revenue_{{ days }}d_amount,
        {%- endfor %}
        max(customers.as_of_date) as as_of_date
    from customers
    inner join purchase_days
        on customers.customer_id = purchase_days.customer_id
    group by 1, 2, 3, 4, 5
),

cohorts as (
    select
        acquisition_channel as channel,
        acquisition_channel_group as channel_group,
        cohort_month,
        count(*) as acquired_customer_count,
        sum(case when is_repeat_customer then 1 else 0 end) as repeat_customer_count,
        {%- for days in revenue_windows_days %}
        sum(net_revenue_{{ days }}d_amount) as net_revenue_{{ days }}d_amount,
        {%- endfor %}
        max(as_of_date) as as_of_date
    from customers_with_window_revenue
    group by 1, 2, 3
),

-- Per channel and cohort month, the customers with a CLV (none when the run's fit was refused): their
-- expected CLV and what they have brought so far.
cohort_lifetime_values as (
    select
        customers.acquisition_channel as channel,
        cast({{ dbt.date_trunc('month', 'customers.first_purchase_date') }} as date) as cohort_month,
        count(*) as clv_customer_count,
        sum(customer_lifetime_values.clv_amount) as clv_amount,
        sum(customers.net_revenue_amount) as net_revenue_amount
    from customers
    inner join customer_lifetime_values
        on customers.customer_id = customer_lifetime_values.customer_id
    where customer_lifetime_values.clv_amount is not null
    group by 1, 2
),

-- A channel's whole spend in a month is charged to the customers it acquired that month. Spend
-- without a known channel cannot be charged to anyone.
spend_rolled_up_to_channel_months as (
    select
        spend.channel,
        spend.channel_group,
        cast({{ dbt.date_trunc('month', 'spend.spend_date') }} as date) as spend_month,
        sum(spend.spend_amount_reporting) as spend_amount
    from spend
    cross join as_of
    where spend.spend_date <= as_of.as_of_date
        and spend.channel not in ('unknown', 'unmapped')
    group by 1, 2, 3
),

channel_months as (
    select
        channel,
        channel_group,
        cohort_month
    from cohorts

    union

    select
        channel,
        channel_group,
        spend_month as cohort_month
    from spend_rolled_up_to_channel_months
),

channel_months_measured as (
    select
        channel_months.channel,
        channel_months.channel_group,
        channel_months.cohort_month,
        coalesce(cohorts.acquired_customer_count, 0) as acquired_customer_count,
        cohorts.repeat_customer_count,
        case
            when channel_months.channel in ('unknown', 'unmapped') then null
            else coalesce(spend_rolled_up_to_channel_months.spend_amount, 0)
        end as acquisition_cost_amount,
        {%- for days in revenue_windows_days %}
        cohorts.net_revenue_{{ days }}d_amount,
        -- complete when even a customer acquired on the cohort's last day has N days behind them
        cast({{ dbt.dateadd(
            'day', days - 1, dbt.last_day('channel_months.cohort_month', 'month')
        ) }} as date) <= as_of.as_of_date as is_{{ days }}d_window_complete,
        {%- endfor %}
        cohort_lifetime_values.clv_customer_count,
        cohort_lifetime_values.clv_amount,
        cohort_lifetime_values.net_revenue_amount,
        as_of.as_of_date
    from channel_months
    cross join as_of
    left join cohorts
        on channel_months.channel = cohorts.channel
        and channel_months.cohort_month = cohorts.cohort_month
    left join cohort_lifetime_values
        on channel_months.channel = cohort_lifetime_values.channel
        and channel_months.cohort_month = cohort_lifetime_values.cohort_month
    left join spend_rolled_up_to_channel_months
        on channel_months.channel = spend_rolled_up_to_channel_months.channel
        and channel_months.cohort_month = spend_rolled_up_to_channel_months.spend_month
),

final as (
    select
        -- strings
        channel as acquisition_channel,
        channel_group as acquisition_channel_group,

        -- numerics
        cast(acquired_customer_count as integer) as acquired_customer_count,
        cast(acquisition_cost_amount as decimal(18, 2)) as acquisition_cost_amount,
        cast(
            acquisition_cost_amount / nullif(acquired_customer_count, 0) as decimal(18, 2)
        ) as cost_per_acquired_customer_amount,
        {%- for days in revenue_windows_days %}
        cast(
            case
                when is_{{ days }}d_window_complete
                    then net_revenue_{{ days }}d_amount / nullif(acquired_customer_count, 0)
            end as decimal(18, 2)
        ) as net_revenue_per_customer_{{ days }}d_amount,
        {%- endfor %}
        {{ safe_divide('repeat_customer_count', 'acquired_customer_count') }} as repeat_customer_rate,
        cast(coalesce(clv_customer_count, 0) as integer) as clv_customer_count,
        cast(clv_amount / nullif(clv_customer_count, 0) as decimal(18, 2)) as clv_per_customer_amount,
        cast(
            (net_revenue_amount + clv_amount) / nullif(clv_customer_count, 0) as decimal(18, 2)
        ) as lifetime_value_per_customer_amount,
        {{ safe_divide(
            '(net_revenue_amount + clv_amount) / nullif(clv_customer_count, 0)',
            'acquisition_cost_amount / nullif(acquired_customer_count, 0)'
        ) }} as clv_to_acquisition_cost_ratio,

        -- dates
        cohort_month,
        as_of_date
    from channel_months_measured
)

select * from final
