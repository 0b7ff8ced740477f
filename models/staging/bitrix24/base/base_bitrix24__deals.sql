-- One row per Bitrix24 deal (latest version), ids namespaced, its stage resolved to the value the
-- seed maps (the full stage id, else the id without its pipeline prefix): what the opportunities,
-- the stage history and the activities bound to a deal read.

with

source as (
    select * from {{ source('bitrix24', 'crm_deal') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['trim(id)'], 'date_modify') }}
),

deals as (
    select
        {{ namespaced_id('bitrix24:deal:', 'id') }} as opportunity_id,
        -- a deal made without a lead has LEAD_ID empty (or 0)
        {{ namespaced_id('bitrix24:lead:', "nullif(trim(lead_id), '0')") }} as lead_id,
        {{ namespaced_id('bitrix24:user:', 'assigned_by_id') }} as owner_user_id,
        {{ clean_text('stage_id') }} as stage_id,
        {{ normalize_currency_code('currency_id') }} as currency_code,
        {{ clean_text(json_text('custom_fields', '$.uf_crm_loss_reason')) }} as source_lost_reason,
        opportunity as amount,
        closedate as close_date,
        closed as is_closed_in_source,
        date_create as created_at,
        date_modify as updated_at,
        _batch_id as source_batch_id
    from latest_versions
),

final as (
    select
        -- ids
        deals.opportunity_id,
        deals.lead_id,
        deals.owner_user_id,

        -- strings
        deals.stage_id,
        {{ bitrix24_stage_source('deals.stage_id', 'by_full', 'by_bare') }} as source_stage,
        deals.currency_code,
        deals.source_lost_reason,

        -- numerics
        deals.amount,

        -- booleans
        deals.is_closed_in_source,

        -- dates
        deals.close_date,

        -- timestamps
        deals.created_at,
        deals.updated_at,

        -- lineage
        deals.source_batch_id
    from deals
    {{ vocabulary_join('opportunity_stage', 'deals.stage_id', 'by_full', 'bitrix24') }}
    {{ vocabulary_join('opportunity_stage', bitrix24_bare_stage('deals.stage_id'), 'by_bare', 'bitrix24') }}
)

select * from final
