{{ config(severity='warn') }}

-- Lists each sale receipt whose returns (receipts naming it as original_receipt_id) give back more
-- than it cost: the customer's purchase day then has a negative net amount in the retention marts
-- (customer_lifetime_summary.monetary_value can go negative). A data problem of the POS extract.

with

receipts as (
    select * from {{ ref('stg_pos__receipts') }}
),

sales as (
    select *
    from receipts
    where not is_return
),

returns as (
    select *
    from receipts
    where is_return
),

returns_rolled_up_to_sales as (
    select
        original_receipt_id as receipt_id,
        count(*) as return_receipt_count,
        sum(total_amount_reporting) as returns_amount
    from returns
    where original_receipt_id is not null
    group by original_receipt_id
),

final as (
    select
        sales.receipt_id,
        sales.customer_id,
        sales.total_amount_reporting as sale_amount,
        returns_rolled_up_to_sales.return_receipt_count,
        returns_rolled_up_to_sales.returns_amount
    from sales
    inner join returns_rolled_up_to_sales
        on sales.receipt_id = returns_rolled_up_to_sales.receipt_id
    where sales.total_amount_reporting + returns_rolled_up_to_sales.returns_amount < 0
)

select * from final
