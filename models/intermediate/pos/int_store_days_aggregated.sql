with

store_traffic as (
    select * from {{ ref('stg_pos__store_traffic') }}
),

receipts as (
    select * from {{ ref('stg_pos__receipts') }}
),

receipt_lines as (
    select * from {{ ref('stg_pos__receipt_lines') }}
),

-- the door counter's hours are local already; peak hour = most visitors, the earliest hour on a tie
traffic_hours_ranked as (
    select
        store_id,
        traffic_date,
        hour_of_day,
        visitor_count,
        row_number() over (
            partition by store_id, traffic_date
            order by visitor_count desc, hour_of_day asc
        ) as visitor_rank
    from store_traffic
),

traffic_days as (
    select
        store_id,
        traffic_date as business_date,
        sum(visitor_count) as visitor_count,
        count(*) as counted_hour_count,
        max(case when visitor_rank = 1 then hour_of_day end) as peak_hour,
        max(case when visitor_rank = 1 then visitor_count end) as peak_hour_visitor_count,
        sum(case when hour_of_day < 12 then visitor_count else 0 end) as morning_visitor_count,
        sum(case when hour_of_day >= 12 and hour_of_day < 17 then visitor_count else 0 end)
            as afternoon_visitor_count,
        sum(case when hour_of_day >= 17 then visitor_count else 0 end) as evening_visitor_count
    from traffic_hours_ranked
    group by store_id, traffic_date
),

receipt_quantities as (
    select
        receipt_id,
        sum(quantity) as item_quantity
    from receipt_lines
    group by receipt_id
),

-- receipts are stamped in UTC, the counter in the store's local business day
receipts_on_business_dates as (
    select
        receipts.store_id,
        receipts.customer_id,
        receipts.total_amount_reporting,
        receipts.is_return,
        receipt_quantities.item_quantity,
        cast({{ utc_to_local_timestamp('receipts.occurred_at') }} as date) as business_date
    from receipts
    left join receipt_quantities
        on receipts.receipt_id = receipt_quantities.receipt_id
),

receipt_days as (
    select
        store_id,
        business_date,
        count(*) as receipt_count,
        sum(case when not is_return then 1 else 0 end) as sale_receipt_count,
        sum(case when not is_return and customer_id is null then 1 else 0 end)
            as anonymous_sale_receipt_count,
        sum(case when is_return then 1 else 0 end) as return_receipt_count,
        sum(case when not is_return then total_amount_reporting end) as sale_amount,
        -sum(case when is_return then total_amount_reporting end) as returned_amount,
        sum(total_amount_reporting) as net_revenue_amount,
        sum(case when not is_return then item_quantity end) as sold_item_quantity,
        -sum(case when is_return then item_quantity end) as returned_item_quantity
    from receipts_on_business_dates
    group by store_id, business_date
),

store_days as (
    select
        coalesce(traffic_days.store_id, receipt_days.store_id) as store_id,
        coalesce(traffic_days.business_date, receipt_days.business_date) as business_date,
        traffic_days.visitor_count,
        traffic_days.counted_hour_count,
        traffic_days.peak_hour,
        traffic_days.peak_hour_visitor_count,
        traffic_days.morning_visitor_count,
        traffic_days.afternoon_visitor_count,
        traffic_days.evening_visitor_count,
        receipt_days.receipt_count,
        receipt_days.sale_receipt_count,
        receipt_days.anonymous_sale_receipt_count,
        receipt_days.return_receipt_count,
        receipt_days.sale_amount,
        receipt_days.returned_amount,
        receipt_days.net_revenue_amount,
        receipt_days.sold_item_quantity,
        receipt_days.returned_item_quantity,
        traffic_days.store_id is not null as has_traffic_data,
        receipt_days.store_id is not null as has_receipts
    from traffic_days
    full outer join receipt_days
        on traffic_days.store_id = receipt_days.store_id
        and traffic_days.business_date = receipt_days.business_date
),

final as (
    select
        -- ids
        store_id,

        -- numerics: door counter (null without counter data)
        visitor_count,
        counted_hour_count,
        peak_hour,
        peak_hour_visitor_count,
        morning_visitor_count,
        afternoon_visitor_count,
        evening_visitor_count,

        -- numerics: receipts (zero on a day without receipts)
        coalesce(receipt_count, 0) as receipt_count,
        -- a buyer is a sale receipt: one basket, whether the customer is known or anonymous
        coalesce(sale_receipt_count, 0) as buyer_count,
        coalesce(sale_receipt_count, 0) - coalesce(anonymous_sale_receipt_count, 0)
            as identified_sale_receipt_count,
        coalesce(anonymous_sale_receipt_count, 0) as anonymous_sale_receipt_count,
        coalesce(return_receipt_count, 0) as return_receipt_count,
        cast(coalesce(sale_amount, 0) as decimal(18, 2)) as sale_amount,
        cast(coalesce(returned_amount, 0) as decimal(18, 2)) as returned_amount,
        cast(coalesce(net_revenue_amount, 0) as decimal(18, 2)) as net_revenue_amount,
        cast(coalesce(sold_item_quantity, 0) as decimal(18, 3)) as sold_item_quantity,
        cast(coalesce(returned_item_quantity, 0) as decimal(18, 3)) as returned_item_quantity,

        -- booleans
        has_traffic_data,
        has_receipts,

        -- dates
        business_date
    from store_days
)

select * from final
