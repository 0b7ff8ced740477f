-- One row per campaign touch of every CRM source: the generic extract's `crm/campaign_members` and
-- the touches each adapter reads from its vendor's export (Salesforce CampaignMember, HubSpot's first
-- and recent conversion, Bitrix24's UTM campaign), on the shared columns; what attribution reads.
-- A table, not a view: the adapters' staging views would otherwise be planned anew in each reader.
{{ config(materialized='table') }}

with

unioned as (
    {{ union_crm_sources('campaign_members', [
        'lead_id', 'campaign_id', 'source_touch_type', 'touch_type', 'is_touch_type_mapped',
        'is_attributable', 'touched_at', 'updated_at', 'source_batch_id',
    ]) }}
),

final as (
    select * from unioned
)

select * from final
