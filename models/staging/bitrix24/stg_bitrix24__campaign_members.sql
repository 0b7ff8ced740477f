-- One touch per Bitrix24 lead (latest version) that came with a UTM campaign, in the columns of
-- stg_crm__campaign_members: the lead followed the campaign's tagged link, at the lead's creation.
-- Bitrix24 keeps no campaign records and no touches before or after that one.

with

source as (
    select * from {{ source('bitrix24', 'crm_lead') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['trim(id)'], 'date_modify') }}
),

-- the campaign's id is its UTM name, namespaced: it joins a campaign only if one is ever loaded
-- under that id; until then the touch is kept, with the channel `unknown` in the attribution marts
touches as (
    select
        {{ namespaced_id('bitrix24:lead:', 'id') }} as lead_id,
        {{ namespaced_id('bitrix24:campaign:', 'utm_campaign') }} as campaign_id,
        'utm_campaign' as source_touch_type,
        date_create as touched_at,
        date_modify as updated_at,
        _batch_id as source_batch_id
    from latest_versions
    where {{ clean_text('utm_campaign') }} is not null
),

final as (
    {{ campaign_touches('touches', 'bitrix24') }}
)

select * from final
