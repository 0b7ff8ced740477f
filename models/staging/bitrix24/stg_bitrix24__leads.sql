with

source as (
    select * from {{ source('bitrix24', 'crm_lead') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['trim(id)'], 'date_modify') }}
),

leads as (
    select
        -- ids
        {{ namespaced_id('bitrix24:lead:', 'id') }} as lead_id,
        {{ namespaced_id('bitrix24:user:', 'assigned_by_id') }} as owner_user_id,

        -- strings
        {{ clean_text('source_id') }} as source_channel,
        {{ clean_text(json_text('custom_fields', '$.uf_crm_initiative')) }} as source_initiative,
        {{ clean_text(json_text('custom_fields', '$.uf_crm_product_awareness')) }} as source_product_awareness,
        {{ clean_text('status_id') }} as source_lead_status,
        {{ clean_text('company_title') }} as company_name,
        {{ clean_text('address_city') }} as city,
        {{ hash_pii(normalize_name(dbt.concat(["coalesce(name, '')", "' '", "coalesce(last_name, '')"]))) }}
            as contact_name_hash,
        {{ hash_pii(normalize_email(json_text('email', '$[0].VALUE'))) }} as email_hash,
        {{ email_domain(json_text('email', '$[0].VALUE')) }} as email_domain,
        {{ hash_pii(normalize_phone(json_text('phone', '$[0].VALUE'))) }} as phone_hash,

        -- timestamps
        date_create as created_at,
        date_modify as updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
),

leads_mapped as (
    select
        leads.*,
        {{ channel_attribute('channel', 'leads.source_channel', source_system='bitrix24') }} as channel,
        {{ channel_attribute('channel_group', 'leads.source_channel', source_system='bitrix24') }} as channel_group,
        {{ channel_row_attribute('default_initiative', source_system='bitrix24') }} as channel_default_initiative,
        {{ channel_is_mapped(source_system='bitrix24') }} as is_channel_mapped,
        nullif(
            {{ vocabulary_value('initiative', 'leads.source_initiative', 'initiatives', 'bitrix24') }},
            'unmapped'
        ) as stated_initiative,
        {{ vocabulary_value('product_awareness', 'leads.source_product_awareness', 'awareness', 'bitrix24') }}
            as product_awareness,
        {{ vocabulary_value('lead_status', 'leads.source_lead_status', 'statuses', 'bitrix24') }} as lead_status
    from leads
    {{ channel_join('leads.source_channel', source_system='bitrix24') }}
    {{ vocabulary_join('initiative', 'leads.source_initiative', 'initiatives', 'bitrix24') }}
    {{ vocabulary_join('product_awareness', 'leads.source_product_awareness', 'awareness', 'bitrix24') }}
    {{ vocabulary_join('lead_status', 'leads.source_lead_status', 'statuses', 'bitrix24') }}
),

final as (
    select
        -- ids
        lead_id,
        -- Bitrix24 has no campaign records: a lead's UTM campaign is text, not a campaign of the CRM
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        owner_user_id,

        -- strings
        'bitrix24' as source_system,
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
    from leads_mapped
)

select * from final
