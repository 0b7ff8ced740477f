{{ config(
    materialized=by_key_materialization(),
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    on_schema_change='sync_all_columns',
) }}

with

source as (
    select * from {{ versions_to_rebuild(source('pos', 'customers'), ['customer_id']) }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['customer_id'], 'updated_at') }}
),

final as (
    select
        -- ids
        customer_id,
        signup_store_id,

        -- strings
        {{ clean_text('loyalty_card_no') }} as loyalty_card_number,
        {{ hash_pii(normalize_email('email')) }} as email_hash,
        {{ email_domain('email') }} as email_domain,
        {{ hash_pii(normalize_phone('phone')) }} as phone_hash,

        -- booleans
        marketing_consent as has_marketing_consent,

        -- timestamps
        signed_up_at,
        updated_at,

        -- lineage
        _batch_id as source_batch_id
    from latest_versions
)

select * from final
