{%- set outcome_field = setting('salesforce_event_outcome_field', 'field') -%}

with

tasks as (
    select * from {{ source('salesforce', 'Task') }}
),

events as (
    select * from {{ source('salesforce', 'Event') }}
),

leads as (
    select * from {{ ref('base_salesforce__leads') }}
),

{%- set version = 'coalesce(systemmodstamp, lastmodifieddate, createddate)' %}

tasks_latest as (
    {{ deduplicate_to_latest('tasks', [salesforce_id('id')], version) }}
),

events_latest as (
    {{ deduplicate_to_latest('events', [salesforce_id('id')], version) }}
),

-- without an outcome field, a meeting before the as-of date (the latest export when none is set) was held
as_of as (
    select max({{ as_of_date('cast(_batch_id as date)') }}) as as_of_date
    from events
),

task_activities as (
    select
        {{ salesforce_id('id') }} as activity_id,
        {{ salesforce_id('whoid') }} as who_id,
        {{ salesforce_id('whatid') }} as what_id,
        {{ salesforce_id('ownerid') }} as owner_user_id,
        -- a plain task names what it was in its Type (an SMS, a visit)
        case
            when lower(trim(coalesce(tasksubtype, ''))) in ('', 'task') then {{ clean_text('type') }}
            else {{ clean_text('tasksubtype') }}
        end as source_activity_type,
        -- Salesforce records a direction for calls only; an e-mail task is one the user sent
        case
            when lower(trim(tasksubtype)) in ('email', 'listemail') then 'Outbound'
            else {{ clean_text('calltype') }}
        end as source_direction,
        {{ clean_text('calldisposition') }} as source_outcome,
        calldurationinseconds as duration_seconds,
        coalesce(completeddatetime, createddate) as occurred_at,
        coalesce(systemmodstamp, lastmodifieddate, createddate) as updated_at,
        _batch_id as source_batch_id
    from tasks_latest
    where not coalesce(isdeleted, false)
),

event_activities as (
    select
        {{ salesforce_id('events_latest.id') }} as activity_id,
        {{ salesforce_id('events_latest.whoid') }} as who_id,
        {{ salesforce_id('events_latest.whatid') }} as what_id,
        {{ salesforce_id('events_latest.ownerid') }} as owner_user_id,
        coalesce({{ clean_text('events_latest.type') }}, 'Meeting') as source_activity_type,
        cast(null as {{ dbt.type_string() }}) as source_direction,
        {%- if outcome_field %}
        {{ clean_text(json_text('events_latest.custom_fields', '$.' ~ (outcome_field | lower))) }} as source_outcome,
        {%- else %}
        case
            when cast(coalesce(events_latest.startdatetime, events_latest.activitydatetime) as date) < as_of.as_of_date
                then 'attended'
            else 'scheduled'
        end as source_outcome,
        {%- endif %}
        coalesce(
            events_latest.durationinminutes * 60,
            cast({{ dbt.datediff('events_latest.startdatetime', 'events_latest.enddatetime', 'second') }} as integer)  -- noqa: LT05
        ) as duration_seconds,
        coalesce(events_latest.startdatetime, events_latest.activitydatetime) as occurred_at,
        coalesce(events_latest.systemmodstamp, events_latest.lastmodifieddate, events_latest.createddate) as updated_at,
        events_latest._batch_id as source_batch_id
    from events_latest
    cross join as_of
    where not coalesce(events_latest.isdeleted, false)
),

activities as (
    select * from task_activities
    union all
    select * from event_activities
),

-- a converted lead's activities move to its contact, and may name its opportunity or account
leads_by_account as (
    select
        converted_account_id,
        lead_id
    from (
        select
            converted_account_id,
            lead_id,
            row_number() over (partition by converted_account_id order by converted_date, lead_id) as lead_rank
        from leads
        where converted_account_id is not null
    ) as leads_ranked
    where lead_rank = 1
),

activities_resolved as (
    select
        activities.*,
        case
            when activities.who_id like 'salesforce:00Q%' then activities.who_id
            else coalesce(by_contact.lead_id, by_opportunity.lead_id, by_account.lead_id)
        end as lead_id
    from activities
    left join leads as by_contact
        on activities.who_id = by_contact.converted_contact_id
    left join leads as by_opportunity
        on activities.what_id = by_opportunity.converted_opportunity_id
    left join leads_by_account as by_account
        on activities.what_id = by_account.converted_account_id
),

final as (
    select
        -- ids
        activities_resolved.activity_id,
        activities_resolved.lead_id,
        activities_resolved.owner_user_id,

        -- strings
        'salesforce' as source_system,
        {{ vocabulary_value('activity_type', 'activities_resolved.source_activity_type', 'types', 'salesforce') }}
            as activity_type,
        {{ vocabulary_value('activity_direction', 'activities_resolved.source_direction', 'directions', 'salesforce') }}
            as direction,
        {{ vocabulary_value('activity_outcome', 'activities_resolved.source_outcome', 'outcomes', 'salesforce') }}
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
    {{ vocabulary_join('activity_type', 'activities_resolved.source_activity_type', 'types', 'salesforce') }}
    {{ vocabulary_join('activity_direction', 'activities_resolved.source_direction', 'directions', 'salesforce') }}
    {{ vocabulary_join('activity_outcome', 'activities_resolved.source_outcome', 'outcomes', 'salesforce') }}
)

select * from final
