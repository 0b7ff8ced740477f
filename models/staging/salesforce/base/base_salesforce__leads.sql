-- One row per Salesforce lead (latest version, not deleted), ids namespaced, personal data hashed:
-- what stg_salesforce__leads maps, and what activities and opportunities resolve their lead with.

with

source as (
    select * from {{ source('salesforce', 'Lead') }}
),

versions as (
    select
        *,
        {{ salesforce_id('id') }} as lead_key,
        coalesce(systemmodstamp, lastmodifieddate, createddate) as version_at
    from source
),

-- deletion is a property of the latest version: a lead restored from the recycle bin comes back
latest_versions as (
    {{ deduplicate_to_latest('versions', ['lead_key'], 'version_at') }}
),

final as (
    select
        -- ids
        lead_key as lead_id,
        {{ salesforce_id('ownerid') }} as owner_user_id,
        {{ salesforce_id('convertedcontactid') }} as converted_contact_id,
        {{ salesforce_id('convertedaccountid') }} as converted_account_id,
        {{ salesforce_id('convertedopportunityid') }} as converted_opportunity_id,

        -- strings
        {{ clean_text('leadsource') }} as source_channel,
        {{ clean_text(json_text('custom_fields', '$.initiative__c')) }} as source_initiative,
        {{ clean_text(json_text('custom_fields', '$.product_awareness__c')) }} as source_product_awareness,
        {{ clean_text('status') }} as source_lead_status,
        {{ clean_text('company') }} as company_name,
        {{ clean_text('city') }} as city,
        {{ hash_pii(normalize_name(dbt.concat(["coalesce(firstname, '')", "' '", "coalesce(lastname, '')"]))) }}
            as contact_name_hash,
        {{ hash_pii(normalize_email('email')) }} as email_hash,
        {{ email_domain('email') }} as email_domain,
        {{ hash_pii(normalize_phone('coalesce(nullif(trim(phone), \'\'), mobilephone)')) }} as phone_hash,

        -- booleans
        coalesce(isconverted, false) as is_converted,

        -- dates
        converteddate as converted_date,

        -- timestamps
        createddate as created_at,
        version_at as updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
    where not coalesce(isdeleted, false)
)

select * from final
