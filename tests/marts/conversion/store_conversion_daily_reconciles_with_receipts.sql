-- Every receipt lands on exactly one store day after the move to the local business date:
-- per store, buyers, returns and net revenue in the mart equal those of the staged receipts.
with

receipts as (
    select * from {{ ref('stg_pos__receipts') }}
),

store_conversion_daily as (
    select * from {{ ref('store_conversion_daily') }}
),

receipt_totals as (
    select
        store_id,
        sum(case when not is_return then 1 else 0 end) as buyer_count,
        sum(case when is_return then 1 else 0 end) as return_receipt_count,
        coalesce(sum(total_amount_reporting), 0) as net_revenue_amount
    from receipts
    group by store_id
),

mart_totals as (
    select
        store_id,
        sum(buyer_count) as buyer_count,
        sum(return_receipt_count) as return_receipt_count,
        sum(net_revenue_amount) as net_revenue_amount
    from store_conversion_daily
    group by store_id
)

select
    coalesce(receipt_totals.store_id, mart_totals.store_id) as store_id,
    receipt_totals.buyer_count as receipt_buyer_count,
    mart_totals.buyer_count as mart_buyer_count,
    receipt_totals.return_receipt_count as receipt_return_count,
    mart_totals.return_receipt_count as mart_return_count,
    receipt_totals.net_revenue_amount as receipt_net_revenue_amount,
    mart_totals.net_revenue_amount as mart_net_revenue_amount
from receipt_totals
full outer join mart_totals
    on receipt_totals.store_id = mart_totals.store_id
where
    receipt_totals.store_id is null
    or mart_totals.store_id is null
    or receipt_totals.buyer_count != mart_totals.buyer_count
    or receipt_totals.return_receipt_count != mart_totals.return_receipt_count
    or receipt_totals.net_revenue_amount != mart_totals.net_revenue_amount
