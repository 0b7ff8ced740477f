-- One row per Salesforce CampaignMember (latest version, not deleted), ids namespaced: what
-- stg_salesforce__campaign_members reads as touches and stg_salesforce__leads its earliest one of.

with

source as (
    select * from {{ source('salesforce', 'CampaignMember') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', [salesforce_id('id')], 'coalesce(systemmodstamp, createddate)') }}
),

final as (
    select
        -- ids
        {{ salesforce_id('id') }} as campaign_member_id,
        {{ salesforce_id('leadid') }} as lead_id,
        {{ salesforce_id('contactid') }} as contact_id,
        {{ salesforce_id('campaignid') }} as campaign_id,

        -- strings
        {{ clean_text('status') }} as source_status,

        -- booleans
        coalesce(hasresponded, false) as has_responded,

        -- dates
        firstrespondeddate as first_responded_date,

        -- timestamps
        createddate as created_at,
        coalesce(systemmodstamp, createddate) as updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
    where not coalesce(isdeleted, false)
)

select * from final
