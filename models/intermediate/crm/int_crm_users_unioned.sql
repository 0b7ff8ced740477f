-- One row per CRM user (salesperson, agent, HubSpot owner) of every CRM source, on the shared columns.
-- A table, not a view: every CRM intermediate and several marts read it, and the adapters' staging
-- views would be planned anew in each of them, which costs seconds even over empty raw tables.
{{ config(materialized='table') }}

with

unioned as (
    {{ union_crm_sources('users', [
        'user_id', 'team_name', 'source_team', 'full_name_hash', 'is_outsourced', 'is_active',
        'updated_at', 'source_batch_id',
    ]) }}
),

final as (
    select * from unioned
)

select * from final
