-- One row per stage a deal entered (`crm.stagehistory.list` records of deals), the stage resolved as
-- in base_bitrix24__deals; a deal without history has its stage at its creation.

with

source as (
    select * from {{ source('bitrix24', 'crm_stagehistory_deal') }}
),

deals as (
    select * from {{ ref('base_bitrix24__deals') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['trim(id)']) }}
),

history_entries as (
    select
        {{ namespaced_id('bitrix24:deal:', 'owner_id') }} as opportunity_id,
        {{ clean_text('stage_id') }} as stage_id,
        type_id as history_type,
        created_time as entered_at
    from latest_versions
),

deals_with_history as (
    select distinct opportunity_id from history_entries
),

deals_without_history as (
    select
        deals.opportunity_id,
        deals.stage_id,
        cast(null as integer) as history_type,
        deals.created_at as entered_at
    from deals
    left join deals_with_history as with_history
        on deals.opportunity_id = with_history.opportunity_id
    where with_history.opportunity_id is null
),

entries as (
    select * from history_entries
    union all
    select * from deals_without_history
),

final as (
    select
        -- ids
        entries.opportunity_id,

        -- strings
        entries.stage_id,
        {{ bitrix24_stage_source('entries.stage_id', 'by_full', 'by_bare') }} as source_stage,

        -- numerics
        entries.history_type,

        -- timestamps
        entries.entered_at,

        -- lineage
        deals.source_batch_id
    from entries
    inner join deals
        on entries.opportunity_id = deals.opportunity_id
    {{ vocabulary_join('opportunity_stage', 'entries.stage_id', 'by_full', 'bitrix24') }}
    {{ vocabulary_join('opportunity_stage', bitrix24_bare_stage('entries.stage_id'), 'by_bare', 'bitrix24') }}
)

select * from final
