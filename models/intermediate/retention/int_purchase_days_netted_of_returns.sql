with

receipts as (
    select * from {{ ref('stg_pos__receipts') }}
),

as_of as (
    select {{ retention_as_of_date('receipts') }} as as_of_date
),

-- Only identified receipts on or before the as-of date: anonymous ones never join a customer, and
-- what happened later is not known as of that date.
customer_receipts as (
    select
        receipts.receipt_id,
        receipts.store_id,
        receipts.customer_id,
        receipts.original_receipt_id,
        receipts.total_amount_reporting,
        receipts.is_return,
        cast(receipts.occurred_at as date) as receipt_date,
        receipts.occurred_at,
        as_of.as_of_date
    from receipts
    cross join as_of
    where receipts.customer_id is not null
        and cast(receipts.occurred_at as date) <= as_of.as_of_date
),

sales as (
    select *
    from customer_receipts
    where not is_return
),

returns as (
    select *
    from customer_receipts
    where is_return
),

sales_ranked_in_day as (
    select
        *,
        row_number() over (
            partition by customer_id, receipt_date
            order by occurred_at, receipt_id
        ) as receipt_rank_in_day
    from sales
),

sales_rolled_up_to_days as (
    select
        customer_id,
        receipt_date as purchase_date,
        max(case when receipt_rank_in_day = 1 then store_id end) as first_store_id,
        count(*) as sale_receipt_count,
        sum(total_amount_reporting) as sales_amount,
        max(as_of_date) as as_of_date
    from sales_ranked_in_day
    group by customer_id, receipt_date
),

-- A return reduces the day of the sale it names (same customer).
returns_linked_to_sales as (
    select
        returns.receipt_id,
        returns.customer_id,
        returns.total_amount_reporting,
        returns.receipt_date,
        original_sales.receipt_date as original_purchase_date
    from returns
    left join sales as original_sales
        on returns.original_receipt_id = original_sales.receipt_id
        and returns.customer_id = original_sales.customer_id
),

-- A return without a known original reduces the customer's latest purchase day on or before it,
-- or their first purchase day when it precedes every purchase: a return never makes a purchase day.
unlinked_returns_placed as (
    select
        returns_linked_to_sales.receipt_id,
        max(
            case
                when sales_rolled_up_to_days.purchase_date <= returns_linked_to_sales.receipt_date
                    then sales_rolled_up_to_days.purchase_date
            end
        ) as latest_earlier_purchase_date,
        min(sales_rolled_up_to_days.purchase_date) as first_purchase_date
    from returns_linked_to_sales
    inner join sales_rolled_up_to_days
        on returns_linked_to_sales.customer_id = sales_rolled_up_to_days.customer_id
    where returns_linked_to_sales.original_purchase_date is null
    group by returns_linked_to_sales.receipt_id
),

returns_placed_on_purchase_days as (
    select
        returns_linked_to_sales.customer_id,
        coalesce(
            returns_linked_to_sales.original_purchase_date,
            unlinked_returns_placed.latest_earlier_purchase_date,
            unlinked_returns_placed.first_purchase_date
        ) as purchase_date,
        returns_linked_to_sales.total_amount_reporting
    from returns_linked_to_sales
    left join unlinked_returns_placed
        on returns_linked_to_sales.receipt_id = unlinked_returns_placed.receipt_id
),

returns_rolled_up_to_days as (
    select
        customer_id,
        purchase_date,
        count(*) as return_receipt_count,
        sum(total_amount_reporting) as returns_amount
    from returns_placed_on_purchase_days
    where purchase_date is not null
    group by customer_id, purchase_date
),

purchase_days as (
    select
        sales_rolled_up_to_days.customer_id,
        sales_rolled_up_to_days.first_store_id,
        sales_rolled_up_to_days.sale_receipt_count,
        coalesce(returns_rolled_up_to_days.return_receipt_count, 0) as return_receipt_count,
        sales_rolled_up_to_days.sales_amount,
        coalesce(returns_rolled_up_to_days.returns_amount, 0) as returns_amount,
        sales_rolled_up_to_days.purchase_date,
        sales_rolled_up_to_days.as_of_date
    from sales_rolled_up_to_days
    left join returns_rolled_up_to_days
        on sales_rolled_up_to_days.customer_id = returns_rolled_up_to_days.customer_id
        and sales_rolled_up_to_days.purchase_date = returns_rolled_up_to_days.purchase_date
),

purchase_days_numbered as (
    select
        *,
        row_number() over (partition by customer_id order by purchase_date) as purchase_day_number,
        min(purchase_date) over (partition by customer_id) as first_purchase_date
    from purchase_days
),

final as (
    select
        -- ids
        customer_id,
        first_store_id,

        -- numerics
        cast(purchase_day_number as integer) as purchase_day_number,
        cast({{ dbt.datediff('first_purchase_date', 'purchase_date', 'day') }} as integer)  -- noqa: LT05
            as days_since_first_purchase,
        cast(sale_receipt_count as integer) as sale_receipt_count,
        cast(return_receipt_count as integer) as return_receipt_count,
        cast(sales_amount as decimal(18, 2)) as sales_amount,
        cast(returns_amount as decimal(18, 2)) as returns_amount,
        cast(sales_amount + returns_amount as decimal(18, 2)) as net_amount,

        -- dates
        purchase_date,
        first_purchase_date,
        as_of_date
    from purchase_days_numbered
)

select * from final
