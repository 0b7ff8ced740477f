-- One row per Salesforce campaign (latest version, not deleted), before the channel mapping: both
-- stg_salesforce__campaigns and stg_salesforce__leads (for the campaign's initiative) read it.

with

source as (
    select * from {{ source('salesforce', 'Campaign') }}
),

versions as (
    select
        *,
        {{ salesforce_id('id') }} as campaign_key,
        coalesce(systemmodstamp, lastmodifieddate) as version_at
    from source
),

latest_versions as (
    {{ deduplicate_to_latest('versions', ['campaign_key'], 'version_at') }}
),

final as (
    select
        -- ids
        campaign_key as campaign_id,

        -- strings
        {{ clean_text('name') }} as campaign_name,
        {{ clean_text('type') }} as source_channel,

        -- dates
        startdate as started_date,
        enddate as ended_date,

        -- timestamps
        version_at as updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
    where not coalesce(isdeleted, false)
)

select * from final
