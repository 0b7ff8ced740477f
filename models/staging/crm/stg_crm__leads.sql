with

source as (
    select * from {{ source('crm', 'leads') }}
),

campaigns as (
    select * from {{ ref('base_crm__campaigns') }}
),

channel_mapping as (
    select * from {{ ref('channel_mapping') }}
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
        {{ normalize_code('initiative') }} as stated_initiative,
        {{ normalize_code('product_awareness') }} as product_awareness,
        {{ normalize_code('status') }} as lead_status,
        {{ clean_text('company_name') }} as company_name,
        {{ clean_text('city') }} as city,
        {{ clean_text('lost_reason') }} as lost_reason,
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

final as (
    select
        -- ids
        leads.lead_id,
        leads.campaign_id,
        leads.owner_user_id,

        -- strings
        leads.source_channel,
        {{ mapped_channel_attribute('channel', 'leads') }} as channel,
        {{ mapped_channel_attribute('channel_group', 'leads') }} as channel_group,
        -- the lead's own initiative, else its channel's default, else its campaign's
        coalesce(
            leads.stated_initiative,
            channel_mapping.default_initiative,
            campaigns.initiative
        ) as initiative,
        case
            when leads.stated_initiative is not null then 'lead'
            when channel_mapping.default_initiative is not null then 'channel_default'
            when campaigns.initiative is not null then 'campaign'
            else 'unknown'
        end as initiative_source,
        leads.product_awareness,
        leads.lead_status,
        leads.company_name,
        leads.city,
        leads.lost_reason,
        leads.contact_name_hash,
        leads.email_hash,
        leads.email_domain,
        leads.phone_hash,

        -- booleans
        channel_mapping.source_channel is not null as is_channel_mapped,

        -- timestamps
        leads.created_at,
        leads.updated_at,

        -- lineage
        leads.source_batch_id
    from leads
    left join channel_mapping
        on leads.source_channel = channel_mapping.source_channel
    left join campaigns
        on leads.campaign_id = campaigns.campaign_id
)

select * from final
