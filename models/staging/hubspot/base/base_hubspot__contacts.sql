-- One row per HubSpot contact (latest version, not archived), every property as exported: what
-- stg_hubspot__leads maps and stg_hubspot__campaign_members reads the converting campaigns of.

with

source as (
    select * from {{ source('hubspot', 'contacts') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['trim(hs_object_id)'], 'coalesce(lastmodifieddate, createdate)') }}
),

final as (
    select * from latest_versions
    where not coalesce(archived, false)
)

select * from final
