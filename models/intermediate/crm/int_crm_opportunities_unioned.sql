-- One row per opportunity of every CRM source: the generic extract's and each adapter's, on the shared columns.
-- A table, not a view: every CRM intermediate and several marts read it, and the adapters' staging
-- views would be planned anew in each of them, which costs seconds even over empty raw tables.
{{ config(materialized='table') }}

with

unioned as (
    {{ union_crm_sources('opportunities', [
        'opportunity_id', 'lead_id', 'owner_user_id',
        'stage', 'source_stage', 'currency_code', 'lost_reason', 'source_lost_reason',
        'amount', 'fx_rate_to_reporting', 'amount_reporting', 'is_closed', 'is_won',
        'created_at', 'updated_at', 'closed_at', 'source_batch_id',
    ]) }}
),

final as (
    select * from unioned
)

select * from final
