with

source as (
    select * from {{ source('crm', 'campaigns') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['campaign_id'], 'updated_at') }}
),

final as (
    select
        -- ids
        campaign_id,

        -- strings
        {{ clean_text('campaign_name') }} as campaign_name,
        {{ normalize_code('channel') }} as source_channel,
        {{ clean_text('initiative') }} as source_initiative,

        -- dates
        started_on as started_date,
        ended_on as ended_date,

        -- timestamps
        updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
)

select * from final
