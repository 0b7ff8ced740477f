with

calls as (
    select * from {{ source('hubspot', 'calls') }}
),

meetings as (
    select * from {{ source('hubspot', 'meetings') }}
),

emails as (
    select * from {{ source('hubspot', 'emails') }}
),

communications as (
    select * from {{ source('hubspot', 'communications') }}
),

call_dispositions as (
    select * from {{ source('hubspot', 'call_dispositions') }}
),

calls_latest as (
    {{ deduplicate_to_latest('calls', ['trim(hs_object_id)'], 'coalesce(hs_lastmodifieddate, hs_timestamp)') }}
),

meetings_latest as (
    {{ deduplicate_to_latest('meetings', ['trim(hs_object_id)'], 'coalesce(hs_lastmodifieddate, hs_timestamp)') }}
),

emails_latest as (
    {{ deduplicate_to_latest('emails', ['trim(hs_object_id)'], 'coalesce(hs_lastmodifieddate, hs_timestamp)') }}
),

communications_latest as (
    {{ deduplicate_to_latest('communications', ['trim(hs_object_id)'], 'coalesce(hs_lastmodifieddate, hs_timestamp)') }}
),

dispositions_latest as (
    {{ deduplicate_to_latest('call_dispositions', ['trim(id)']) }}
),

-- the disposition decides; the technical status only when no disposition was logged
call_activities as (
    select
        {{ namespaced_id('hubspot:call:', 'calls_latest.hs_object_id') }} as activity_id,
        {{ first_associated_id('calls_latest.associated_contact_ids') }} as contact_id,
        {{ namespaced_id('hubspot:owner:', 'calls_latest.hubspot_owner_id') }} as owner_user_id,
        'call' as source_activity_type,
        {{ clean_text('calls_latest.hs_call_direction') }} as source_direction,
        {{ clean_text('calls_latest.hs_call_disposition') }} as disposition_id,
        {{ clean_text('dispositions_latest.label') }} as disposition_label,
        {{ clean_text('calls_latest.hs_call_status') }} as call_status,
        cast(round(calls_latest.hs_call_duration / 1000.0) as integer) as duration_seconds,
        calls_latest.hs_timestamp as occurred_at,
        coalesce(calls_latest.hs_lastmodifieddate, calls_latest.hs_timestamp) as updated_at,
        calls_latest._batch_id as source_batch_id
    from calls_latest
    left join dispositions_latest
        on trim(calls_latest.hs_call_disposition) = trim(dispositions_latest.id)
    where not coalesce(calls_latest.archived, false)
),

call_outcomes as (
    select
        call_activities.*,
        case
            when call_activities.disposition_id is not null
                then {{ id_or_label(
                    'call_activities.disposition_id', 'dispositions', 'call_activities.disposition_label', 'hubspot'
                ) }}
            else call_activities.call_status
        end as source_outcome,
        -- a technical status maps only through HubSpot's own rows: `COMPLETED` says nothing of the talk
        call_activities.disposition_id is null
        and call_activities.call_status is not null
        and statuses_own.warehouse_value is null as is_status_unmapped
    from call_activities
    {{ vocabulary_join('activity_outcome', 'call_activities.disposition_id', 'dispositions', 'hubspot') }}
    left join {{ ref('value_mapping') }} as statuses_own
        on statuses_own.vocabulary = 'activity_outcome'
        and statuses_own.source_system = 'hubspot'
        and {{ vocabulary_key('statuses_own.source_value') }} = {{ vocabulary_key('call_activities.call_status') }}
),

meeting_activities as (
    select
        {{ namespaced_id('hubspot:meeting:', 'hs_object_id') }} as activity_id,
        {{ first_associated_id('associated_contact_ids') }} as contact_id,
        {{ namespaced_id('hubspot:owner:', 'hubspot_owner_id') }} as owner_user_id,
        'meeting' as source_activity_type,
        cast(null as {{ dbt.type_string() }}) as source_direction,
        {{ clean_text('hs_meeting_outcome') }} as source_outcome,
        false as is_status_unmapped,
        cast(
            {{ dbt.datediff('coalesce(hs_meeting_start_time, hs_timestamp)', 'hs_meeting_end_time', 'second') }}
            as integer
        ) as duration_seconds,
        coalesce(hs_meeting_start_time, hs_timestamp) as occurred_at,
        coalesce(hs_lastmodifieddate, hs_timestamp) as updated_at,
        _batch_id as source_batch_id
    from meetings_latest
    where not coalesce(archived, false)
),

email_activities as (
    select
        {{ namespaced_id('hubspot:email:', 'hs_object_id') }} as activity_id,
        {{ first_associated_id('associated_contact_ids') }} as contact_id,
        {{ namespaced_id('hubspot:owner:', 'hubspot_owner_id') }} as owner_user_id,
        'email' as source_activity_type,
        {{ clean_text('hs_email_direction') }} as source_direction,
        {{ clean_text('hs_email_status') }} as source_outcome,
        false as is_status_unmapped,
        cast(null as integer) as duration_seconds,
        hs_timestamp as occurred_at,
        coalesce(hs_lastmodifieddate, hs_timestamp) as updated_at,
        _batch_id as source_batch_id
    from emails_latest
    where not coalesce(archived, false)
),

-- HubSpot records no direction for SMS and chat messages
communication_activities as (
    select
        {{ namespaced_id('hubspot:communication:', 'hs_object_id') }} as activity_id,
        {{ first_associated_id('associated_contact_ids') }} as contact_id,
        {{ namespaced_id('hubspot:owner:', 'hubspot_owner_id') }} as owner_user_id,
        {{ clean_text('hs_communication_channel_type') }} as source_activity_type,
        cast(null as {{ dbt.type_string() }}) as source_direction,
        cast(null as {{ dbt.type_string() }}) as source_outcome,
        false as is_status_unmapped,
        cast(null as integer) as duration_seconds,
        hs_timestamp as occurred_at,
        coalesce(hs_lastmodifieddate, hs_timestamp) as updated_at,
        _batch_id as source_batch_id
    from communications_latest
    where not coalesce(archived, false)
),

activities as (
    select
        activity_id,
        contact_id,
        owner_user_id,
        source_activity_type,
        source_direction,
        source_outcome,
        is_status_unmapped,
        duration_seconds,
        occurred_at,
        updated_at,
        source_batch_id
    from call_outcomes
    union all
    select * from meeting_activities
    union all
    select * from email_activities
    union all
    select * from communication_activities
),

final as (
    select
        -- ids
        activities.activity_id,
        {{ namespaced_id('hubspot:contact:', 'activities.contact_id') }} as lead_id,
        activities.owner_user_id,

        -- strings
        'hubspot' as source_system,
        {{ vocabulary_value('activity_type', 'activities.source_activity_type', 'types', 'hubspot') }}
            as activity_type,
        {{ vocabulary_value('activity_direction', 'activities.source_direction', 'directions', 'hubspot') }}
            as direction,
        case
            when activities.is_status_unmapped then 'unmapped'
            else {{ vocabulary_value('activity_outcome', 'activities.source_outcome', 'outcomes', 'hubspot') }}
        end as outcome,
        activities.source_activity_type,
        activities.source_direction,
        activities.source_outcome,

        -- numerics
        activities.duration_seconds,

        -- timestamps
        activities.occurred_at,
        activities.updated_at,

        -- lineage
        activities.source_batch_id
    from activities
    {{ vocabulary_join('activity_type', 'activities.source_activity_type', 'types', 'hubspot') }}
    {{ vocabulary_join('activity_direction', 'activities.source_direction', 'directions', 'hubspot') }}
    {{ vocabulary_join('activity_outcome', 'activities.source_outcome', 'outcomes', 'hubspot') }}
)

select * from final
