with

store_days as (
    select * from {{ ref('int_store_days_aggregated') }}
),

stores as (
    select * from {{ ref('stg_pos__stores') }}
),

final as (
    select
        -- ids
        store_days.store_id,

        -- strings
        stores.store_name,
        stores.city,
        stores.store_format,

        -- numerics
        cast(store_days.visitor_count as bigint) as visitor_count,
        cast(store_days.buyer_count as bigint) as buyer_count,
        cast(store_days.anonymous_sale_receipt_count as bigint) as anonymous_buyer_count,
        cast(store_days.return_receipt_count as bigint) as return_receipt_count,
        -- null, never infinite, without counter data or with no visitor counted
        {{ safe_divide('store_days.buyer_count', 'store_days.visitor_count') }}
            as visitor_to_buyer_conversion_rate,
        cast(store_days.sale_amount as decimal(18, 2)) as sale_amount,
        cast(store_days.returned_amount as decimal(18, 2)) as returned_amount,
        cast(store_days.net_revenue_amount as decimal(18, 2)) as net_revenue_amount,
        cast(
            {{ safe_divide('store_days.sale_amount', 'store_days.buyer_count') }} as decimal(18, 2)
        ) as average_receipt_amount,
        {{ safe_divide('store_days.sold_item_quantity', 'store_days.buyer_count') }}
            as average_items_per_receipt,

        -- booleans
        store_days.has_traffic_data,

        -- dates
        store_days.business_date
    from store_days
    left join stores
        on store_days.store_id = stores.store_id
)

select * from final
