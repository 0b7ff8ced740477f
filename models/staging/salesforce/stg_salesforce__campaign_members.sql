-- One row per Salesforce CampaignMember of a lead (latest version, not deleted) as a touch, in the
-- columns of stg_crm__campaign_members: the member's Status is the touch type.

with

members as (
    select * from {{ ref('base_salesforce__campaign_members') }}
),

leads as (
    select * from {{ ref('base_salesforce__leads') }}
),

-- a member that names only a contact is the lead converted into that contact, when there is one;
-- FirstRespondedDate is a date: a response that day is at midnight UTC, never before the membership
touches as (
    select
        coalesce(members.lead_id, converted_leads.lead_id) as lead_id,
        members.campaign_id,
        members.source_status as source_touch_type,
        case
            when members.has_responded and members.first_responded_date is not null
                then greatest(members.created_at, cast(members.first_responded_date as {{ dbt.type_timestamp() }}))
            else members.created_at
        end as touched_at,
        members.updated_at,
        members.source_batch_id
    from members
    left join leads as converted_leads
        on members.lead_id is null
        and members.contact_id = converted_leads.converted_contact_id
    where coalesce(members.lead_id, converted_leads.lead_id) is not null
),

final as (
    {{ campaign_touches('touches', 'salesforce') }}
)

select * from final
