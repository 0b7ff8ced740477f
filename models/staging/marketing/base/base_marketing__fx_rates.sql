{%- set reporting_currency = setting('reporting_currency', 'code') %}

with

source as (
    select * from {{ source('marketing', 'fx_rates') }}
),

-- deduplicated on the normalised currency codes, so that an as-of join finds one rate a day
latest_deliveries as (
    {{ deduplicate_to_latest(
        'source',
        key_columns=[normalize_currency_code('currency'), normalize_currency_code('quote_currency'), 'rate_date']
    ) }}
),

quoted_rates as (
    select
        {{ normalize_currency_code('currency') }} as currency_code,
        coalesce({{ normalize_currency_code('quote_currency') }}, '{{ reporting_currency }}') as quote_currency_code,
        rate_to_reporting as quoted_rate,
        rate_date,
        _batch_id as source_batch_id
    from latest_deliveries
),

-- the reporting currency's own rate in each quote currency, by day: the bridge to it
reporting_in_quote as (
    select
        quote_currency_code,
        rate_date,
        quoted_rate as reporting_rate
    from quoted_rates
    where currency_code = '{{ reporting_currency }}'
        and quote_currency_code != '{{ reporting_currency }}'
),

rates_to_reporting as (
    -- quoted in the reporting currency already
    select
        currency_code,
        quoted_rate as rate_to_reporting,
        rate_date,
        source_batch_id,
        0 as route
    from quoted_rates
    where quote_currency_code = '{{ reporting_currency }}'

    union all

    -- quoted in another currency: through the reporting currency's rate there on the same day
    select
        quoted_rates.currency_code,
        cast(quoted_rates.quoted_rate as double) / reporting_in_quote.reporting_rate as rate_to_reporting,
        quoted_rates.rate_date,
        quoted_rates.source_batch_id,
        1 as route
    from quoted_rates
    inner join reporting_in_quote
        on quoted_rates.quote_currency_code = reporting_in_quote.quote_currency_code
        and quoted_rates.rate_date = reporting_in_quote.rate_date
    where quoted_rates.currency_code != '{{ reporting_currency }}'

    union all

    -- the quote currency itself
    select
        reporting_in_quote.quote_currency_code as currency_code,
        1.0 / cast(reporting_in_quote.reporting_rate as double) as rate_to_reporting,
        reporting_in_quote.rate_date,
        quoted_rates.source_batch_id,
        1 as route
    from reporting_in_quote
    inner join quoted_rates
        on reporting_in_quote.quote_currency_code = quoted_rates.quote_currency_code
        and reporting_in_quote.rate_date = quoted_rates.rate_date
        and quoted_rates.currency_code = '{{ reporting_currency }}'
),

-- a currency quoted both directly and through another currency on one day keeps the direct rate
rates_ranked as (
    select
        *,
        row_number() over (
            partition by currency_code, rate_date
            order by route asc, source_batch_id desc
        ) as rate_rank
    from rates_to_reporting
),

final as (
    select
        -- strings
        currency_code,

        -- numerics
        -- 12 decimals: a rate worked out through another currency (1 / 400) keeps its precision
        cast(rate_to_reporting as decimal(24, 12)) as rate_to_reporting,

        -- dates
        rate_date,
        -- a rate applies until the currency's next one: engines without an as-of join use ranges
        lead(rate_date) over (
            partition by currency_code
            order by rate_date
        ) as next_rate_date,

        -- lineage
        source_batch_id
    from rates_ranked
    where rate_rank = 1
)

select * from final
