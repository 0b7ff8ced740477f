with

source as (
    select * from {{ source('marketing', 'fx_rates') }}
),

-- deduplicated on the normalised currency code, so that an as-of join finds one rate a day
latest_deliveries as (
    {{ deduplicate_to_latest(
        'source',
        key_columns=[normalize_currency_code('currency'), 'rate_date']
    ) }}
),

fx_rates as (
    select
        {{ normalize_currency_code('currency') }} as currency_code,
        rate_to_reporting,
        rate_date,
        _batch_id as source_batch_id
    from latest_deliveries
),

final as (
    select
        -- strings
        currency_code,

        -- numerics
        rate_to_reporting,

        -- dates
        rate_date,
        -- a rate applies until the currency's next one: engines without an as-of join use ranges
        lead(rate_date) over (
            partition by currency_code
            order by rate_date
        ) as next_rate_date,

        -- lineage
        source_batch_id
    from fx_rates
)

select * from final
