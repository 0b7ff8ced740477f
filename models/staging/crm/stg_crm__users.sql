with

source as (
    select * from {{ source('crm', 'users') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['user_id'], 'updated_at') }}
),

users as (
    select
        user_id,
        {{ clean_text('team') }} as source_team,
        {{ hash_pii(normalize_name('full_name')) }} as full_name_hash,
        is_outsourced,
        is_active,
        updated_at,
        _batch_id as source_batch_id
    from latest_versions
),

final as (
    select
        -- ids
        users.user_id,

        -- strings
        {{ vocabulary_value('team', 'users.source_team', 'teams') }} as team_name,
        users.source_team,
        users.full_name_hash,

        -- booleans
        users.is_outsourced,
        users.is_active,

        -- timestamps
        users.updated_at,

        -- lineage
        users.source_batch_id
    from users
    {{ vocabulary_join('team', 'users.source_team', 'teams') }}
)

select * from final
