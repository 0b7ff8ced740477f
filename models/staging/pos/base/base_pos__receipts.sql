with

source as (
    select * from {{ source('pos', 'receipts') }}
),

latest_deliveries as (
    {{ deduplicate_to_latest('source', ['receipt_id']) }}
),

final as (
    select
        -- ids
        receipt_id,
        store_id,
        customer_id,
        original_receipt_id,

        -- strings
        {{ normalize_currency_code('currency') }} as currency_code,
        {{ clean_text('payment_method') }} as source_payment_method,

        -- numerics
        total_amount,

        -- booleans
        is_return,

        -- timestamps
        occurred_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_deliveries
)

select * from final
