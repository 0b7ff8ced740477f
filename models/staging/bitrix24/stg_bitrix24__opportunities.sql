with

deals as (
    select * from {{ ref('base_bitrix24__deals') }}
),

stage_entries as (
    select * from {{ ref('base_bitrix24__deal_stage_entries') }}
),

fx_rates as (
    select * from {{ ref('base_marketing__fx_rates') }}
),

opportunity_stages as (
    select * from {{ ref('opportunity_stages') }}
),

-- a closed deal closed when it moved to its final stage (history type 3), else when it entered its stage
closing_entries as (
    select
        deals.opportunity_id,
        max(case when stage_entries.history_type = 3 then stage_entries.entered_at end) as moved_to_final_at,
        max(
            case when stage_entries.stage_id = deals.stage_id then stage_entries.entered_at end
        ) as current_stage_entered_at
    from deals
    inner join stage_entries
        on deals.opportunity_id = stage_entries.opportunity_id
    group by deals.opportunity_id
),

deals_mapped as (
    select
        deals.*,
        coalesce(deals.currency_code, '{{ setting("reporting_currency", "code") }}') as reported_currency_code,
        coalesce(closing_entries.moved_to_final_at, closing_entries.current_stage_entered_at) as closing_entered_at,
        {{ vocabulary_value('opportunity_stage', 'deals.source_stage', 'stages', 'bitrix24') }} as stage,
        {{ vocabulary_value('lost_reason', 'deals.source_lost_reason', 'lost_reasons', 'bitrix24') }} as lost_reason
    from deals
    left join closing_entries
        on deals.opportunity_id = closing_entries.opportunity_id
    {{ vocabulary_join('opportunity_stage', 'deals.source_stage', 'stages', 'bitrix24') }}
    {{ vocabulary_join('lost_reason', 'deals.source_lost_reason', 'lost_reasons', 'bitrix24') }}
),

deals_closed as (
    select
        deals_mapped.*,
        coalesce(opportunity_stages.is_closed, false) as is_closed,
        coalesce(opportunity_stages.is_won, false) as is_won,
        case
            when coalesce(opportunity_stages.is_closed, deals_mapped.is_closed_in_source, false)
                then coalesce(deals_mapped.closing_entered_at, cast(deals_mapped.close_date as timestamp))
        end as closed_at
    from deals_mapped
    left join opportunity_stages
        on deals_mapped.stage = opportunity_stages.stage
),

deals_with_rates as (
    {{ join_fx_rate(
        'deals_closed',
        'fx_rates',
        currency_code='deals_closed.reported_currency_code',
        transaction_date='cast(coalesce(deals_closed.closed_at, deals_closed.updated_at) as date)'
    ) }}
),

final as (
    select
        -- ids
        opportunity_id,
        lead_id,
        owner_user_id,

        -- strings
        'bitrix24' as source_system,
        stage,
        source_stage,
        reported_currency_code as currency_code,
        lost_reason,
        source_lost_reason,

        -- numerics
        amount,
        fx_rate_to_reporting,
        {{ to_reporting_currency('amount', 'fx_rate_to_reporting') }} as amount_reporting,

        -- booleans
        is_closed,
        is_won,

        -- timestamps
        created_at,
        updated_at,
        closed_at,

        -- lineage
        source_batch_id
    from deals_with_rates
)

select * from final
