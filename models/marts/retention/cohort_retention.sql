with

customers as (
    select * from {{ ref('dim_customers') }}
),

purchase_days as (
    select * from {{ ref('int_purchase_days_netted_of_returns') }}
),

cohort_members as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'first_purchase_date') }} as date) as cohort_month,
        as_of_date
    from customers
),

cohorts as (
    select
        cohort_month,
        count(*) as cohort_size,
        max(as_of_date) as as_of_date
    from cohort_members
    group by 1
),

-- 0 .. 599: fifty years of months, more than any cohort can be old.
month_numbers as (
    select cast(generated_number as integer) - 1 as month_number
    from ({{ dbt.generate_series(600) }}) as series
),

cohort_month_spine as (
    select
        cohorts.cohort_month,
        cohorts.cohort_size,
        cohorts.as_of_date,
        month_numbers.month_number,
        cast({{ dbt.dateadd('month', 'month_numbers.month_number', 'cohorts.cohort_month') }} as date)
            as activity_month
    from cohorts
    cross join month_numbers
    where month_numbers.month_number <= {{ dbt.datediff(
        'cohorts.cohort_month', 'cohorts.as_of_date', 'month'
    ) }}
),

-- Net amounts count in the month of the purchase they belong to (returns included there).
customer_activity_months as (
    select
        cohort_members.cohort_month,
        cast({{ dbt.date_trunc('month', 'purchase_days.purchase_date') }} as date) as activity_month,
        purchase_days.customer_id,
        sum(purchase_days.net_amount) as net_amount
    from purchase_days
    inner join cohort_members
        on purchase_days.customer_id = cohort_members.customer_id
    group by 1, 2, 3
),

activity_rolled_up_to_cohort_months as (
    select
        cohort_month,
        activity_month,
        count(*) as active_customer_count,
        sum(net_amount) as net_revenue_amount
    from customer_activity_months
    group by 1, 2
),

-- A customer becomes a repeat customer on their second purchase day.
second_purchases_rolled_up_to_cohort_months as (
    select
        cohort_members.cohort_month,
        cast({{ dbt.date_trunc('month', 'purchase_days.purchase_date') }} as date) as activity_month,
        count(*) as new_repeat_customer_count
    from purchase_days
    inner join cohort_members
        on purchase_days.customer_id = cohort_members.customer_id
    where purchase_days.purchase_day_number = 2
    group by 1, 2
),

cohort_months_measured as (
    select
        cohort_month_spine.cohort_month,
        cohort_month_spine.month_number,
        cohort_month_spine.activity_month,
        cohort_month_spine.cohort_size,
        cohort_month_spine.as_of_date,
        coalesce(activity_rolled_up_to_cohort_months.active_customer_count, 0)
            as active_customer_count,
        coalesce(activity_rolled_up_to_cohort_months.net_revenue_amount, 0) as net_revenue_amount,
        sum(coalesce(activity_rolled_up_to_cohort_months.net_revenue_amount, 0)) over (
            partition by cohort_month_spine.cohort_month
            order by cohort_month_spine.month_number
            rows between unbounded preceding and current row
        ) as cumulative_net_revenue_amount,
        sum(coalesce(second_purchases_rolled_up_to_cohort_months.new_repeat_customer_count, 0)) over (
            partition by cohort_month_spine.cohort_month
            order by cohort_month_spine.month_number
            rows between unbounded preceding and current row
        ) as cumulative_repeat_customer_count
    from cohort_month_spine
    left join activity_rolled_up_to_cohort_months
        on cohort_month_spine.cohort_month = activity_rolled_up_to_cohort_months.cohort_month
        and cohort_month_spine.activity_month = activity_rolled_up_to_cohort_months.activity_month
    left join second_purchases_rolled_up_to_cohort_months
        on cohort_month_spine.cohort_month = second_purchases_rolled_up_to_cohort_months.cohort_month
        and cohort_month_spine.activity_month = second_purchases_rolled_up_to_cohort_months.activity_month
),

final as (
    select
        -- numerics
        cast(month_number as integer) as month_number,
        cast(cohort_size as integer) as cohort_size,
        cast(active_customer_count as integer) as active_customer_count,
        {{ safe_divide('active_customer_count', 'cohort_size') }} as retention_rate,
        cast(cumulative_repeat_customer_count as integer) as cumulative_repeat_customer_count,
        {{ safe_divide('cumulative_repeat_customer_count', 'cohort_size') }} as cumulative_repeat_rate,
        cast(net_revenue_amount as decimal(18, 2)) as net_revenue_amount,
        cast(cumulative_net_revenue_amount as decimal(18, 2)) as cumulative_net_revenue_amount,
        cast(cumulative_net_revenue_amount / cohort_size as decimal(18, 2))
            as cumulative_net_revenue_per_customer_amount,

        -- booleans
        {{ dbt.last_day('activity_month', 'month') }} <= as_of_date as is_month_complete,

        -- dates
        cohort_month,
        activity_month,
        as_of_date
    from cohort_months_measured
)

select * from final
