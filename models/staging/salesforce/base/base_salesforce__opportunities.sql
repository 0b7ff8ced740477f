-- One row per Salesforce opportunity (latest version, not deleted), ids namespaced: what
-- stg_salesforce__opportunities maps, and the fallback stage history of an opportunity without one.

with

source as (
    select * from {{ source('salesforce', 'Opportunity') }}
),

versions as (
    select
        *,
        {{ salesforce_id('id') }} as opportunity_key,
        coalesce(systemmodstamp, lastmodifieddate, createddate) as version_at
    from source
),

latest_versions as (
    {{ deduplicate_to_latest('versions', ['opportunity_key'], 'version_at') }}
),

final as (
    select
        -- ids
        opportunity_key as opportunity_id,
        {{ salesforce_id('accountid') }} as account_id,
        {{ salesforce_id('ownerid') }} as owner_user_id,

        -- strings
        {{ clean_text('stagename') }} as source_stage,
        {{ normalize_currency_code('currencyisocode') }} as currency_code,
        {{ clean_text(json_text('custom_fields', '$.loss_reason__c')) }} as source_lost_reason,

        -- numerics
        amount,

        -- booleans
        isclosed as is_closed_in_source,

        -- dates
        closedate as close_date,

        -- timestamps
        createddate as created_at,
        version_at as updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
    where not coalesce(isdeleted, false)
)

select * from final
