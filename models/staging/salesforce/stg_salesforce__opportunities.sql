with

opportunities as (
    select * from {{ ref('base_salesforce__opportunities') }}
),

leads as (
    select * from {{ ref('base_salesforce__leads') }}
),

stage_entries as (
    select * from {{ ref('base_salesforce__opportunity_stage_entries') }}
),

fx_rates as (
    select * from {{ ref('base_marketing__fx_rates') }}
),

opportunity_stages as (
    select * from {{ ref('opportunity_stages') }}
),

-- the lead converted into the opportunity; else the first lead converted into its account
leads_by_account as (
    select
        converted_account_id,
        lead_id
    from (
        select
            converted_account_id,
            lead_id,
            row_number() over (partition by converted_account_id order by converted_date, lead_id) as lead_rank
        from leads
        where converted_account_id is not null
    ) as leads_ranked
    where lead_rank = 1
),

-- a closed opportunity closed when it last entered its current stage
current_stage_entries as (
    select
        opportunities.opportunity_id,
        max(stage_entries.entered_at) as entered_at
    from opportunities
    inner join stage_entries
        on opportunities.opportunity_id = stage_entries.opportunity_id
        and {{ vocabulary_key('opportunities.source_stage') }} = {{ vocabulary_key('stage_entries.source_stage') }}
    group by opportunities.opportunity_id
),

opportunities_resolved as (
    select
        opportunities.*,
        coalesce(by_opportunity.lead_id, by_account.lead_id) as lead_id,
        coalesce(opportunities.currency_code, '{{ setting("reporting_currency", "code") }}') as reported_currency_code,
        current_stage_entries.entered_at as current_stage_entered_at,
        -- CloseDate is a date: its start stands for the time of a close no stage history records
        cast(opportunities.close_date as timestamp) as close_date_start
    from opportunities
    left join leads as by_opportunity
        on opportunities.opportunity_id = by_opportunity.converted_opportunity_id
    left join leads_by_account as by_account
        on opportunities.account_id = by_account.converted_account_id
    left join current_stage_entries
        on opportunities.opportunity_id = current_stage_entries.opportunity_id
),

opportunities_mapped as (
    select
        opportunities_resolved.*,
        {{ vocabulary_value('opportunity_stage', 'opportunities_resolved.source_stage', 'stages', 'salesforce') }}
            as stage,
        {{ vocabulary_value('lost_reason', 'opportunities_resolved.source_lost_reason', 'lost_reasons', 'salesforce') }}
            as lost_reason
    from opportunities_resolved
    {{ vocabulary_join('opportunity_stage', 'opportunities_resolved.source_stage', 'stages', 'salesforce') }}
    {{ vocabulary_join('lost_reason', 'opportunities_resolved.source_lost_reason', 'lost_reasons', 'salesforce') }}
),

opportunities_closed as (
    select
        opportunities_mapped.*,
        coalesce(opportunity_stages.is_closed, false) as is_closed,
        coalesce(opportunity_stages.is_won, false) as is_won,
        case
            when coalesce(opportunity_stages.is_closed, opportunities_mapped.is_closed_in_source, false)
                then coalesce(opportunities_mapped.current_stage_entered_at, opportunities_mapped.close_date_start)
        end as closed_at
    from opportunities_mapped
    left join opportunity_stages
        on opportunities_mapped.stage = opportunity_stages.stage
),

-- a closed deal converts at the rate of its closing day, an open one at the rate of the day of its latest version
opportunities_with_rates as (
    {{ join_fx_rate(
        'opportunities_closed',
        'fx_rates',
        currency_code='opportunities_closed.reported_currency_code',
        transaction_date='cast(coalesce(opportunities_closed.closed_at, opportunities_closed.updated_at) as date)'
    ) }}
),

final as (
    select
        -- ids
        opportunity_id,
        lead_id,
        owner_user_id,

        -- strings
        'salesforce' as source_system,
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
    from opportunities_with_rates
)

select * from final
