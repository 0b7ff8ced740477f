{{ config(
    materialized=by_key_materialization(),
    incremental_strategy='delete+insert',
    unique_key='receipt_id',
    on_schema_change='sync_all_columns',
) }}

with

-- lines are rebuilt by receipt: those delivered by a batch of this build, and those whose receipt
-- (its currency and day) was delivered again
source as (
    select * from {{ source('pos', 'receipt_lines') }}
    {%- if is_incremental() %}
    where receipt_id in (
        select receipt_id from {{ source('pos', 'receipt_lines') }}
        where {{ is_build_batch('_batch_id') }}
        union
        select receipt_id from {{ source('pos', 'receipts') }}
        where {{ is_build_batch('_batch_id') }}
    )
    {%- endif %}
),

receipts as (
    select * from {{ ref('base_pos__receipts') }}
    where receipt_id in (select source.receipt_id from source)
),

fx_rates as (
    select * from {{ ref('base_marketing__fx_rates') }}
),

latest_deliveries as (
    {{ deduplicate_to_latest('source', ['receipt_id', 'line_number']) }}
),

-- lines carry no currency of their own: they are in their receipt's currency,
-- converted at the rate of the receipt's day
receipt_lines as (
    select
        latest_deliveries.receipt_id,
        latest_deliveries.line_number,
        latest_deliveries.product_id,
        receipts.currency_code,
        latest_deliveries.quantity,
        latest_deliveries.unit_price,
        latest_deliveries.discount_amount,
        latest_deliveries.line_amount,
        cast(receipts.occurred_at as date) as receipt_date,
        latest_deliveries._batch_id as source_batch_id
    from latest_deliveries
    left join receipts
        on latest_deliveries.receipt_id = receipts.receipt_id
),

receipt_lines_with_rates as (
    {{ join_fx_rate(
        'receipt_lines',
        'fx_rates',
        currency_code='receipt_lines.currency_code',
        transaction_date='receipt_lines.receipt_date'
    ) }}
),

final as (
    select
        -- ids
        receipt_id,
        line_number,
        product_id,

        -- strings
        currency_code,

        -- numerics
        quantity,
        unit_price,
        discount_amount,
        line_amount,
        fx_rate_to_reporting,
        {{ to_reporting_currency('unit_price') }} as unit_price_reporting,
        {{ to_reporting_currency('discount_amount') }} as discount_amount_reporting,
        {{ to_reporting_currency('line_amount') }} as line_amount_reporting,

        -- lineage
        source_batch_id
    from receipt_lines_with_rates
)

select * from final
