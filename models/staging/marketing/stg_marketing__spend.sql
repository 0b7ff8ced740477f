{{ config(
    materialized=by_key_materialization(),
    incremental_strategy='delete+insert',
    unique_key='spend_date',
    on_schema_change='sync_all_columns',
) }}

with

source as (
    select * from {{ versions_to_rebuild(source('marketing', 'spend'), ['spend_date']) }}
),

fx_rates as (
    select * from {{ ref('base_marketing__fx_rates') }}
),

latest_deliveries as (
    {{ deduplicate_to_latest(
        'source',
        key_columns=['spend_date', normalize_code('channel'), 'campaign_id']
    ) }}
),

spend as (
    select
        campaign_id,
        {{ normalize_code('channel') }} as source_channel,
        {{ normalize_currency_code('currency') }} as currency_code,
        amount as spend_amount,
        spend_date,
        _batch_id as source_batch_id
    from latest_deliveries
),

spend_with_rates as (
    {{ join_fx_rate(
        'spend',
        'fx_rates',
        currency_code='spend.currency_code',
        transaction_date='spend.spend_date'
    ) }}
),

final as (
    select
        -- ids
        spend_with_rates.campaign_id,

        -- strings
        spend_with_rates.source_channel,
        {{ channel_attribute('channel', 'spend_with_rates.source_channel') }} as channel,
        {{ channel_attribute('channel_group', 'spend_with_rates.source_channel') }} as channel_group,
        spend_with_rates.currency_code,

        -- numerics
        spend_with_rates.spend_amount,
        spend_with_rates.fx_rate_to_reporting,
        {{ to_reporting_currency(
            'spend_with_rates.spend_amount',
            'spend_with_rates.fx_rate_to_reporting'
        ) }} as spend_amount_reporting,

        -- booleans
        {{ channel_is_mapped() }} as is_channel_mapped,

        -- dates
        spend_with_rates.spend_date,

        -- lineage
        spend_with_rates.source_batch_id
    from spend_with_rates
    {{ channel_join('spend_with_rates.source_channel') }}
)

select * from final
