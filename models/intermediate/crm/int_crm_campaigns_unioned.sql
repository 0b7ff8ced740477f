-- One row per campaign of every CRM source that has campaigns (the generic extract, Salesforce).
-- A table, not a view: every CRM intermediate and several marts read it, and the adapters' staging
-- views would be planned anew in each of them, which costs seconds even over empty raw tables.
{{ config(materialized='table') }}

with

unioned as (
    {{ union_crm_sources('campaigns', [
        'campaign_id', 'campaign_name', 'source_channel', 'channel', 'channel_group', 'initiative',
        'source_initiative', 'is_channel_mapped', 'started_date', 'ended_date', 'updated_at', 'source_batch_id',
    ], systems=('crm', 'salesforce')) }}
),

final as (
    select * from unioned
)

select * from final
