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
        {{ clean_text('category') }} as source_category,
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
        products_with_rates.product_id,

        -- strings
        products_with_rates.sku,
        products_with_rates.product_name,
        {{ vocabulary_value('product_category', 'products_with_rates.source_category', 'categories') }} as category,
        products_with_rates.source_category,
        products_with_rates.currency_code,

        -- numerics
        products_with_rates.list_price,
        products_with_rates.fx_rate_to_reporting,
        {{ to_reporting_currency('products_with_rates.list_price', 'products_with_rates.fx_rate_to_reporting') }}
            as list_price_reporting,

        -- timestamps
        products_with_rates.updated_at,

        -- lineage
        products_with_rates.source_batch_id
    from products_with_rates
    {{ vocabulary_join('product_category', 'products_with_rates.source_category', 'categories') }}
)

select * from final
