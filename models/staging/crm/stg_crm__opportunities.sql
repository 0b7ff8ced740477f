with

source as (
    select * from {{ source('crm', 'opportunities') }}
),

fx_rates as (
    select * from {{ ref('base_marketing__fx_rates') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['opportunity_id'], 'updated_at') }}
),

opportunities as (
    select
        opportunity_id,
        lead_id,
        owner_id as owner_user_id,
        {{ normalize_code('stage') }} as stage,
        {{ normalize_currency_code('currency') }} as currency_code,
        {{ clean_text('lost_reason') }} as lost_reason,
        amount,
        created_at,
        updated_at,
        closed_at,
        _batch_id as source_batch_id
    from latest_versions
),

-- a closed deal converts at the rate of its closing day, an open one at the rate of the day
-- of its latest version
opportunities_with_rates as (
    {{ join_fx_rate(
        'opportunities',
        'fx_rates',
        currency_code='opportunities.currency_code',
        transaction_date='cast(coalesce(opportunities.closed_at, opportunities.updated_at) as date)'
    ) }}
),

final as (
    select
        -- ids
        opportunity_id,
        lead_id,
        owner_user_id,

        -- strings
        stage,
        currency_code,
        lost_reason,

        -- numerics
        amount,
        fx_rate_to_reporting,
        {{ to_reporting_currency('amount') }} as amount_reporting,

        -- booleans
        stage in ('closed_won', 'closed_lost') as is_closed,
        stage = 'closed_won' as is_won,

        -- timestamps
        created_at,
        updated_at,
        closed_at,

        -- lineage
        source_batch_id
    from opportunities_with_rates
)

select * from final
