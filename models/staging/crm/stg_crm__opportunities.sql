{{ config(
    materialized=by_key_materialization(),
    incremental_strategy='delete+insert',
    unique_key='opportunity_id',
    on_schema_change='sync_all_columns',
) }}

with

source as (
    select * from {{ versions_to_rebuild(source('crm', 'opportunities'), ['opportunity_id']) }}
),

fx_rates as (
    select * from {{ ref('base_marketing__fx_rates') }}
),

opportunity_stages as (
    select * from {{ ref('opportunity_stages') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['opportunity_id'], 'updated_at') }}
),

opportunities as (
    select
        opportunity_id,
        lead_id,
        owner_id as owner_user_id,
        {{ clean_text('stage') }} as source_stage,
        {{ normalize_currency_code('currency') }} as currency_code,
        {{ clean_text('lost_reason') }} as source_lost_reason,
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

opportunities_mapped as (
    select
        opportunities_with_rates.*,
        {{ vocabulary_value('opportunity_stage', 'opportunities_with_rates.source_stage', 'stages') }} as stage,
        {{ vocabulary_value('lost_reason', 'opportunities_with_rates.source_lost_reason', 'lost_reasons') }}
            as lost_reason
    from opportunities_with_rates
    {{ vocabulary_join('opportunity_stage', 'opportunities_with_rates.source_stage', 'stages') }}
    {{ vocabulary_join('lost_reason', 'opportunities_with_rates.source_lost_reason', 'lost_reasons') }}
),

final as (
    select
        -- ids
        opportunities_mapped.opportunity_id,
        opportunities_mapped.lead_id,
        opportunities_mapped.owner_user_id,

        -- strings
        opportunities_mapped.stage,
        opportunities_mapped.source_stage,
        opportunities_mapped.currency_code,
        opportunities_mapped.lost_reason,
        opportunities_mapped.source_lost_reason,

        -- numerics
        opportunities_mapped.amount,
        opportunities_mapped.fx_rate_to_reporting,
        {{ to_reporting_currency('opportunities_mapped.amount', 'opportunities_mapped.fx_rate_to_reporting') }}
            as amount_reporting,

        -- booleans
        coalesce(opportunity_stages.is_closed, false) as is_closed,
        coalesce(opportunity_stages.is_won, false) as is_won,

        -- timestamps
        opportunities_mapped.created_at,
        opportunities_mapped.updated_at,
        opportunities_mapped.closed_at,

        -- lineage
        opportunities_mapped.source_batch_id
    from opportunities_mapped
    left join opportunity_stages
        on opportunities_mapped.stage = opportunity_stages.stage
)

select * from final
