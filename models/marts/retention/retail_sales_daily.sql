with

receipts as (
    select * from {{ ref('stg_pos__receipts') }}
),

as_of as (
    select {{ retention_as_of_date('receipts') }} as as_of_date
),

-- The till's view: every receipt on its own UTC day, a return on the day it was made.
receipts_as_of as (
    select
        receipts.receipt_id,
        receipts.customer_id,
        receipts.total_amount_reporting,
        receipts.is_return,
        receipts.customer_id is null as is_anonymous,
        cast(receipts.occurred_at as date) as receipt_date,
        as_of.as_of_date
    from receipts
    cross join as_of
    where cast(receipts.occurred_at as date) <= as_of.as_of_date
),

receipts_rolled_up_to_days as (
    select
        receipt_date,
        sum(case when not is_return then 1 else 0 end) as sale_receipt_count,
        sum(case when not is_return and not is_anonymous then 1 else 0 end)
            as identified_sale_receipt_count,
        sum(case when not is_return and is_anonymous then 1 else 0 end) as anonymous_sale_receipt_count,
        sum(case when is_return then 1 else 0 end) as return_receipt_count,
        count(distinct case when not is_return then customer_id end) as identified_customer_count,
        sum(total_amount_reporting) as net_revenue_amount,
        sum(case when not is_anonymous then total_amount_reporting else 0 end)
            as identified_net_revenue_amount,
        sum(case when is_anonymous then total_amount_reporting else 0 end) as anonymous_net_revenue_amount,
        max(as_of_date) as as_of_date
    from receipts_as_of
    group by receipt_date
),

final as (
    select
        -- numerics
        cast(sale_receipt_count as integer) as sale_receipt_count,
        cast(identified_sale_receipt_count as integer) as identified_sale_receipt_count,
        cast(anonymous_sale_receipt_count as integer) as anonymous_sale_receipt_count,
        cast(return_receipt_count as integer) as return_receipt_count,
        cast(identified_customer_count as integer) as identified_customer_count,
        {{ safe_divide('anonymous_sale_receipt_count', 'sale_receipt_count') }} as anonymous_sale_share,
        cast(net_revenue_amount as decimal(18, 2)) as net_revenue_amount,
        cast(identified_net_revenue_amount as decimal(18, 2)) as identified_net_revenue_amount,
        cast(anonymous_net_revenue_amount as decimal(18, 2)) as anonymous_net_revenue_amount,

        -- dates
        receipt_date,
        as_of_date
    from receipts_rolled_up_to_days
)

select * from final
