-- One row per HubSpot deal (latest version, not archived), ids namespaced, its lead the first
-- associated contact: what stg_hubspot__opportunities maps and its stage history unpivots.

with

source as (
    select * from {{ source('hubspot', 'deals') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['trim(hs_object_id)'], 'coalesce(hs_lastmodifieddate, createdate)') }}
),

final as (
    select
        -- ids
        {{ namespaced_id('hubspot:deal:', 'hs_object_id') }} as opportunity_id,
        {{ namespaced_id('hubspot:contact:', first_associated_id('associated_contact_ids')) }} as lead_id,
        {{ namespaced_id('hubspot:owner:', 'hubspot_owner_id') }} as owner_user_id,

        -- strings
        {{ clean_text('dealstage') }} as stage_id,
        {{ normalize_currency_code('deal_currency_code') }} as currency_code,
        {{ clean_text('closed_lost_reason') }} as source_lost_reason,
        date_entered_stages,
        date_entered_stages_legacy,

        -- numerics
        amount,

        -- timestamps
        closedate as close_date_at,
        createdate as created_at,
        coalesce(hs_lastmodifieddate, createdate) as updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
    where not coalesce(archived, false)
)

select * from final
