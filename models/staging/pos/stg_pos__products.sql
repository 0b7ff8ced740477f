with

source as (
    select * from {{ source('pos', 'products') }}
),

fx_rates as (
    select * from {{ ref('base_marketing__fx_rates') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['product_id'], 'updated_at') }}
),

products as (
    select
        product_id,
        {{ clean_text('sku') }} as sku,
        {{ clean_text('product_name') }} as product_name,
        {{ clean_text('category') }} as category,
        {{ normalize_currency_code('currency') }} as currency_code,
        list_price,
        updated_at,
        _batch_id as source_batch_id
    from latest_versions
),

-- a list price converts at the rate of the day it was last written
products_with_rates as (
    {{ join_fx_rate(
        'products',
        'fx_rates',
        currency_code='products.currency_code',
        transaction_date='cast(products.updated_at as date)'
    ) }}
),

final as (
    select
        -- ids
        product_id,

        -- strings
        sku,
        product_name,
        category,
        currency_code,

        -- numerics
        list_price,
        fx_rate_to_reporting,
        {{ to_reporting_currency('list_price') }} as list_price_reporting,

        -- timestamps
        updated_at,

        -- lineage
        source_batch_id
    from products_with_rates
)

select * from final
