-- One row per stage entry of an opportunity of every CRM source, on the shared columns.
-- A table, not a view: every CRM intermediate and several marts read it, and the adapters' staging
-- views would be planned anew in each of them, which costs seconds even over empty raw tables.
{{ config(materialized='table') }}

with

unioned as (
    {{ union_crm_sources('opportunity_stage_history', [
        'opportunity_id', 'stage', 'source_stage', 'entered_at', 'source_batch_id',
    ]) }}
),

final as (
    select * from unioned
)

select * from final
