{{ config(
    materialized=by_key_materialization(),
    incremental_strategy='delete+insert',
    unique_key='lead_id',
    on_schema_change='sync_all_columns',
) }}

with

source as (
    select * from {{ versions_to_rebuild(source('crm', 'leads'), ['lead_id']) }}
),

campaigns as (
    select * from {{ ref('base_crm__campaigns') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['lead_id'], 'updated_at') }}
),

leads as (
    select
        -- ids
        lead_id,
        campaign_id,
        owner_id as owner_user_id,

        -- strings
        {{ normalize_code('channel') }} as source_channel,
        {{ clean_text('initiative') }} as source_initiative,
        {{ clean_text('product_awareness') }} as source_product_awareness,
        {{ clean_text('status') }} as source_lead_status,
        {{ clean_text('company_name') }} as company_name,
        {{ clean_text('city') }} as city,
        {{ clean_text('lost_reason') }} as source_lost_reason,
        {{ hash_pii(normalize_name('contact_name')) }} as contact_name_hash,
        {{ hash_pii(normalize_email('email')) }} as email_hash,
        {{ email_domain('email') }} as email_domain,
        {{ hash_pii(normalize_phone('phone')) }} as phone_hash,

        -- timestamps
        created_at,
        updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
),

leads_mapped as (
    select
        leads.*,
        {{ channel_attribute('channel', 'leads.source_channel') }} as channel,
        {{ channel_attribute('channel_group', 'leads.source_channel') }} as channel_group,
        {{ channel_row_attribute('default_initiative') }} as channel_default_initiative,
        {{ channel_is_mapped() }} as is_channel_mapped,
        -- an initiative the vocabulary does not know is not a stated one (it is counted as unmapped)
        nullif({{ vocabulary_value('initiative', 'leads.source_initiative', 'initiatives') }}, 'unmapped')
            as stated_initiative,
        {{ vocabulary_value('initiative', 'campaigns.source_initiative', 'campaign_initiatives') }}
            as campaign_initiative,
        {{ vocabulary_value('product_awareness', 'leads.source_product_awareness', 'awareness') }}
            as product_awareness,
        {{ vocabulary_value('lead_status', 'leads.source_lead_status', 'statuses') }} as lead_status,
        {{ vocabulary_value('lost_reason', 'leads.source_lost_reason', 'lost_reasons') }} as lost_reason
    from leads
    left join campaigns
        on leads.campaign_id = campaigns.campaign_id
    {{ channel_join('leads.source_channel') }}
    {{ vocabulary_join('initiative', 'leads.source_initiative', 'initiatives') }}
    {{ vocabulary_join('initiative', 'campaigns.source_initiative', 'campaign_initiatives') }}
    {{ vocabulary_join('product_awareness', 'leads.source_product_awareness', 'awareness') }}
    {{ vocabulary_join('lead_status', 'leads.source_lead_status', 'statuses') }}
    {{ vocabulary_join('lost_reason', 'leads.source_lost_reason', 'lost_reasons') }}
),

final as (
    select
        -- ids
        lead_id,
        campaign_id,
        owner_user_id,

        -- strings
        source_channel,
        channel,
        channel_group,
        -- the lead's own initiative, else its channel's default, else its campaign's
        coalesce(
            stated_initiative,
            channel_default_initiative,
            nullif(campaign_initiative, 'unmapped')
        ) as initiative,
        case
            when stated_initiative is not null then 'lead'
            when channel_default_initiative is not null then 'channel_default'
            when nullif(campaign_initiative, 'unmapped') is not null then 'campaign'
            else 'unknown'
        end as initiative_source,
        source_initiative,
        product_awareness,
        source_product_awareness,
        lead_status,
        source_lead_status,
        company_name,
        city,
        lost_reason,
        source_lost_reason,
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
