{{ config(
    materialized=by_key_materialization(),
    incremental_strategy='delete+insert',
    unique_key='receipt_id',
    on_schema_change='sync_all_columns',
) }}

with

receipts as (
    select * from {{ ref('base_pos__receipts') }}
    {%- if is_incremental() %}
    -- the receipts a batch of this build delivered again or for the first time
    where receipt_id in (
        select receipt_id from {{ source('pos', 'receipts') }}
        where {{ is_build_batch('_batch_id') }}
    )
    {%- endif %}
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
        receipts_with_rates.receipt_id,
        receipts_with_rates.store_id,
        receipts_with_rates.customer_id,
        receipts_with_rates.original_receipt_id,

        -- strings
        receipts_with_rates.currency_code,
        {{ vocabulary_value('payment_method', 'receipts_with_rates.source_payment_method', 'payment_methods') }}
            as payment_method,
        receipts_with_rates.source_payment_method,

        -- numerics
        receipts_with_rates.total_amount,
        receipts_with_rates.fx_rate_to_reporting,
        {{ to_reporting_currency('receipts_with_rates.total_amount', 'receipts_with_rates.fx_rate_to_reporting') }}
            as total_amount_reporting,

        -- booleans
        receipts_with_rates.is_return,

        -- timestamps
        receipts_with_rates.occurred_at,

        -- lineage
        receipts_with_rates.source_batch_id
    from receipts_with_rates
    {{ vocabulary_join('payment_method', 'receipts_with_rates.source_payment_method', 'payment_methods') }}
)

select * from final
