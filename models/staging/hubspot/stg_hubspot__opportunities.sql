with

deals as (
    select * from {{ ref('base_hubspot__deals') }}
),

stage_entries as (
    select * from {{ ref('base_hubspot__deal_stage_entries') }}
),

pipeline_stages as (
    select * from {{ source('hubspot', 'deal_pipeline_stages') }}
),

fx_rates as (
    select * from {{ ref('base_marketing__fx_rates') }}
),

opportunity_stages as (
    select * from {{ ref('opportunity_stages') }}
),

stage_labels as (
    {{ deduplicate_to_latest('pipeline_stages', ['trim(stage_id)']) }}
),

-- a closed deal closed when it entered its current stage; for an open one `closedate` is only expected
current_stage_entries as (
    select
        opportunity_id,
        stage_id,
        max(entered_at) as entered_at
    from stage_entries
    group by opportunity_id, stage_id
),

deals_staged as (
    select
        deals.*,
        {{ id_or_label('deals.stage_id', 'by_id', clean_text('stage_labels.label'), 'hubspot') }} as source_stage,
        coalesce(deals.currency_code, '{{ setting("reporting_currency", "code") }}') as reported_currency_code,
        current_stage_entries.entered_at as current_stage_entered_at
    from deals
    left join stage_labels
        on deals.stage_id = trim(stage_labels.stage_id)
    left join current_stage_entries
        on deals.opportunity_id = current_stage_entries.opportunity_id
        and deals.stage_id = current_stage_entries.stage_id
    {{ vocabulary_join('opportunity_stage', 'deals.stage_id', 'by_id', 'hubspot') }}
),

deals_mapped as (
    select
        deals_staged.*,
        {{ vocabulary_value('opportunity_stage', 'deals_staged.source_stage', 'stages', 'hubspot') }} as stage,
        {{ vocabulary_value('lost_reason', 'deals_staged.source_lost_reason', 'lost_reasons', 'hubspot') }}
            as lost_reason
    from deals_staged
    {{ vocabulary_join('opportunity_stage', 'deals_staged.source_stage', 'stages', 'hubspot') }}
    {{ vocabulary_join('lost_reason', 'deals_staged.source_lost_reason', 'lost_reasons', 'hubspot') }}
),

deals_closed as (
    select
        deals_mapped.*,
        coalesce(opportunity_stages.is_closed, false) as is_closed,
        coalesce(opportunity_stages.is_won, false) as is_won,
        case
            when opportunity_stages.is_closed
                then coalesce(deals_mapped.current_stage_entered_at, deals_mapped.close_date_at)
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
        'hubspot' as source_system,
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
