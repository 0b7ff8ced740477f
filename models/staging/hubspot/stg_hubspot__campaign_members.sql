-- Up to two touches per HubSpot contact (latest version, not archived), in the columns of
-- stg_crm__campaign_members: the campaign of its first conversion at first_conversion_date and the
-- campaign of its most recent conversion at recent_conversion_date, each when a campaign is named.
-- A contact export holds no more than these two: the touches between them are not in it.

with

latest_versions as (
    select * from {{ ref('base_hubspot__contacts') }}
),

contacts as (
    select
        {{ namespaced_id('hubspot:contact:', 'hs_object_id') }} as lead_id,
        {{ namespaced_id('hubspot:campaign:', 'hs_analytics_first_touch_converting_campaign') }} as first_campaign_id,
        {{ namespaced_id('hubspot:campaign:', 'hs_analytics_last_touch_converting_campaign') }} as recent_campaign_id,
        first_conversion_date,
        recent_conversion_date,
        coalesce(lastmodifieddate, createdate) as updated_at,
        _batch_id as source_batch_id
    from latest_versions
),

-- the two conversions' names are the adapter's (the properties'), mapped through `value_mapping`
-- like any touch type; a single conversion fills both properties alike and is one touch
touches as (
    select
        lead_id,
        first_campaign_id as campaign_id,
        'first_conversion' as source_touch_type,
        first_conversion_date as touched_at,
        updated_at,
        source_batch_id
    from contacts
    where first_campaign_id is not null
        and first_conversion_date is not null

    union all

    select
        lead_id,
        recent_campaign_id as campaign_id,
        'recent_conversion' as source_touch_type,
        recent_conversion_date as touched_at,
        updated_at,
        source_batch_id
    from contacts
    where recent_campaign_id is not null
        and recent_conversion_date is not null
        and not (
            recent_campaign_id = coalesce(first_campaign_id, '')
            and recent_conversion_date = first_conversion_date
        )
),

final as (
    {{ campaign_touches('touches', 'hubspot') }}
)

select * from final
