with

receipts as (
    select * from {{ ref('base_pos__receipts') }}
),

fx_rates as (
    select * from {{ ref('base_marketing__fx_rates') }}
),

receipts_with_rates as (
    {{ join_fx_rate(
        'receipts',
        'fx_rates',
        currency_code='receipts.currency_code',
        transaction_date='cast(receipts.occurred_at as date)'
    ) }}
),

final as (
    select
        -- ids
        receipt_id,
        store_id,
        customer_id,
        original_receipt_id,

        -- strings
        currency_code,
        payment_method,

        -- numerics
        total_amount,
        fx_rate_to_reporting,
        {{ to_reporting_currency('total_amount') }} as total_amount_reporting,

        -- booleans
        is_return,

        -- timestamps
        occurred_at,

        -- lineage
        source_batch_id
    from receipts_with_rates
)

select * from final
