-- One row per activity of every CRM source: the generic extract's and each adapter's, on the shared columns.
-- A table, not a view: every CRM intermediate and several marts read it, and the adapters' staging
-- views would be planned anew in each of them, which costs seconds even over empty raw tables.
{{ config(materialized='table') }}

with

unioned as (
    {{ union_crm_sources('activities', [
        'activity_id', 'lead_id', 'owner_user_id',
        'activity_type', 'direction', 'outcome', 'source_activity_type', 'source_direction', 'source_outcome',
        'duration_seconds', 'occurred_at', 'updated_at', 'source_batch_id',
    ]) }}
),

final as (
    select * from unioned
)

select * from final
