-- One row per lead of every CRM source: the generic extract's and each adapter's, on the shared columns.
-- A table, not a view: every CRM intermediate and several marts read it, and the adapters' staging
-- views would be planned anew in each of them, which costs seconds even over empty raw tables.
{{ config(materialized='table') }}

with

unioned as (
    {{ union_crm_sources('leads', [
        'lead_id', 'campaign_id', 'owner_user_id',
        'source_channel', 'channel', 'channel_group', 'initiative', 'initiative_source', 'source_initiative',
        'product_awareness', 'source_product_awareness', 'lead_status', 'source_lead_status', 'company_name',
        'city', 'lost_reason', 'source_lost_reason', 'contact_name_hash', 'email_hash', 'email_domain',
        'phone_hash', 'is_channel_mapped', 'created_at', 'updated_at', 'source_batch_id',
    ]) }}
),

final as (
    select * from unioned
)

select * from final
