with

source as (
    select * from {{ source('bitrix24', 'crm_activity') }}
),

call_statistics as (
    select * from {{ source('bitrix24', 'voximplant_statistic') }}
),

contacts as (
    select * from {{ source('bitrix24', 'crm_contact') }}
),

deals as (
    select * from {{ ref('base_bitrix24__deals') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['trim(id)'], 'last_updated') }}
),

-- the activity's own span: a meeting's length, and a call's when telephony has no statistic of it
versions_timed as (
    select
        *,
        cast({{ dbt.datediff('start_time', 'end_time', 'second') }} as integer) as scheduled_seconds  -- noqa: LT05
    from latest_versions
),

contacts_latest as (
    {{ deduplicate_to_latest('contacts', ['trim(id)'], 'date_modify') }}
),

-- telephony knows one result per call; a statistic re-delivered keeps its latest delivery
statistics_latest as (
    {{ deduplicate_to_latest('call_statistics', ['trim(crm_activity_id)']) }}
),

activities as (
    select
        {{ namespaced_id('bitrix24:activity:', 'versions_timed.id') }} as activity_id,
        versions_timed.owner_type_id,
        trim(versions_timed.owner_id) as owner_record_id,
        {{ namespaced_id('bitrix24:user:', 'versions_timed.responsible_id') }} as owner_user_id,
        -- an app's activity (type 6) says what it is through its provider (CRM_SMS, ...)
        case
            when trim(versions_timed.type_id) = '6' then {{ clean_text('versions_timed.provider_id') }}
            else {{ clean_text('versions_timed.type_id') }}
        end as source_activity_type,
        -- 0 is Bitrix24's "no direction" (meetings, tasks)
        {{ clean_text("nullif(trim(versions_timed.direction), '0')") }} as source_direction,
        -- a call's result is the telephony's; a meeting's is its status; other activities have none
        case trim(versions_timed.type_id)
            when '2' then {{ clean_text('statistics_latest.call_failed_code') }}
            when '1' then {{ clean_text('versions_timed.status') }}
        end as source_outcome,
        case trim(versions_timed.type_id)
            when '2' then coalesce(statistics_latest.call_duration, versions_timed.scheduled_seconds)
            when '1' then versions_timed.scheduled_seconds
        end as duration_seconds,
        coalesce(versions_timed.start_time, versions_timed.created) as occurred_at,
        versions_timed.last_updated as updated_at,
        versions_timed._batch_id as source_batch_id
    from versions_timed
    left join statistics_latest
        on trim(versions_timed.id) = trim(statistics_latest.crm_activity_id)
),

-- an activity bound to a deal or a contact belongs to the lead the deal or contact came from
activities_resolved as (
    select
        activities.*,
        case activities.owner_type_id
            when 1 then {{ namespaced_id('bitrix24:lead:', 'activities.owner_record_id') }}
            when 2 then deals.lead_id
            when 3 then {{ namespaced_id('bitrix24:lead:', "nullif(trim(contacts_latest.lead_id), '0')") }}
        end as lead_id
    from activities
    left join deals
        on activities.owner_type_id = 2
        and {{ dbt.concat(["'bitrix24:deal:'", 'activities.owner_record_id']) }} = deals.opportunity_id
    left join contacts_latest
        on activities.owner_type_id = 3
        and activities.owner_record_id = trim(contacts_latest.id)
),

final as (
    select
        -- ids
        activities_resolved.activity_id,
        activities_resolved.lead_id,
        activities_resolved.owner_user_id,

        -- strings
        'bitrix24' as source_system,
        {{ vocabulary_value('activity_type', 'activities_resolved.source_activity_type', 'types', 'bitrix24') }}
            as activity_type,
        {{ vocabulary_value('activity_direction', 'activities_resolved.source_direction', 'directions', 'bitrix24') }}
            as direction,
        {{ vocabulary_value('activity_outcome', 'activities_resolved.source_outcome', 'outcomes', 'bitrix24') }}
            as outcome,
        activities_resolved.source_activity_type,
        activities_resolved.source_direction,
        activities_resolved.source_outcome,

        -- numerics
        activities_resolved.duration_seconds,

        -- timestamps
        activities_resolved.occurred_at,
        activities_resolved.updated_at,

        -- lineage
        activities_resolved.source_batch_id
    from activities_resolved
    {{ vocabulary_join('activity_type', 'activities_resolved.source_activity_type', 'types', 'bitrix24') }}
    {{ vocabulary_join('activity_direction', 'activities_resolved.source_direction', 'directions', 'bitrix24') }}
    {{ vocabulary_join('activity_outcome', 'activities_resolved.source_outcome', 'outcomes', 'bitrix24') }}
)

select * from final
