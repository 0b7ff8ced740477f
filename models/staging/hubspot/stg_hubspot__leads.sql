with

latest_versions as (
    select * from {{ ref('base_hubspot__contacts') }}
),

contacts as (
    select
        -- ids
        {{ namespaced_id('hubspot:contact:', 'hs_object_id') }} as lead_id,
        {{ namespaced_id('hubspot:owner:', 'hubspot_owner_id') }} as owner_user_id,

        -- strings
        {{ clean_text('lead_source') }} as recorded_source,
        {{ clean_text('hs_analytics_source_data_1') }} as analytics_source_detail,
        {{ clean_text('hs_analytics_source') }} as analytics_source,
        {{ clean_text('initiative') }} as source_initiative,
        {{ clean_text('product_awareness') }} as source_product_awareness,
        coalesce({{ clean_text('hs_lead_status') }}, {{ clean_text('lifecyclestage') }}) as source_lead_status,
        {{ clean_text('company') }} as company_name,
        {{ clean_text('city') }} as city,
        {{ hash_pii(normalize_name(dbt.concat(["coalesce(firstname, '')", "' '", "coalesce(lastname, '')"]))) }}
            as contact_name_hash,
        {{ hash_pii(normalize_email('email')) }} as email_hash,
        {{ email_domain('email') }} as email_domain,
        {{ hash_pii(normalize_phone('coalesce(nullif(trim(phone), \'\'), mobilephone)')) }} as phone_hash,

        -- timestamps
        createdate as created_at,
        coalesce(lastmodifieddate, createdate) as updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
),

-- the source a salesperson recorded, else the analytics drill-down when the seed knows it, else the analytics source
contacts_sourced as (
    select
        contacts.*,
        case
            when contacts.recorded_source is not null then contacts.recorded_source
            when drilldown_own.source_channel is not null then contacts.analytics_source_detail
            else contacts.analytics_source
        end as source_channel
    from contacts
    left join {{ ref('channel_mapping') }} as drilldown_own
        on drilldown_own.source_system = 'hubspot'
        and {{ vocabulary_key('drilldown_own.source_channel') }}
        = {{ vocabulary_key('contacts.analytics_source_detail') }}
),

contacts_mapped as (
    select
        contacts_sourced.*,
        {{ channel_attribute('channel', 'contacts_sourced.source_channel', source_system='hubspot') }} as channel,
        {{ channel_attribute('channel_group', 'contacts_sourced.source_channel', source_system='hubspot') }}
            as channel_group,
        {{ channel_row_attribute('default_initiative', source_system='hubspot') }} as channel_default_initiative,
        {{ channel_is_mapped(source_system='hubspot') }} as is_channel_mapped,
        nullif(
            {{ vocabulary_value('initiative', 'contacts_sourced.source_initiative', 'initiatives', 'hubspot') }},
            'unmapped'
        ) as stated_initiative,
        {{ vocabulary_value('product_awareness', 'contacts_sourced.source_product_awareness', 'awareness', 'hubspot') }}
            as product_awareness,
        {{ vocabulary_value('lead_status', 'contacts_sourced.source_lead_status', 'statuses', 'hubspot') }}
            as lead_status
    from contacts_sourced
    {{ channel_join('contacts_sourced.source_channel', source_system='hubspot') }}
    {{ vocabulary_join('initiative', 'contacts_sourced.source_initiative', 'initiatives', 'hubspot') }}
    {{ vocabulary_join('product_awareness', 'contacts_sourced.source_product_awareness', 'awareness', 'hubspot') }}
    {{ vocabulary_join('lead_status', 'contacts_sourced.source_lead_status', 'statuses', 'hubspot') }}
),

final as (
    select
        -- ids
        lead_id,
        -- HubSpot campaigns are a Marketing Hub object that the adapter does not read
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        owner_user_id,

        -- strings
        'hubspot' as source_system,
        source_channel,
        channel,
        channel_group,
        {{ lead_initiative('stated_initiative', 'channel_default_initiative', 'null') }} as initiative,
        {{ lead_initiative_source('stated_initiative', 'channel_default_initiative', 'null') }} as initiative_source,
        source_initiative,
        product_awareness,
        source_product_awareness,
        lead_status,
        source_lead_status,
        company_name,
        city,
        cast(null as {{ dbt.type_string() }}) as lost_reason,
        cast(null as {{ dbt.type_string() }}) as source_lost_reason,
        contact_name_hash,
        email_hash,
        email_domain,
        phone_hash,

        -- booleans
        is_channel_mapped,

        -- timestamps
        created_at,
        updated_at,

        -- lineage
        source_batch_id
    from contacts_mapped
)

select * from final
