with

source as (
    select * from {{ source('bitrix24', 'user') }}
),

departments as (
    select * from {{ source('bitrix24', 'department') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['trim(id)'], 'timestamp_x') }}
),

departments_latest as (
    {{ deduplicate_to_latest('departments', ['trim(id)']) }}
),

-- a user's team is the first of their departments
users as (
    select
        {{ namespaced_id('bitrix24:user:', 'latest_versions.id') }} as user_id,
        {{ clean_text('departments_latest.name') }} as source_team,
        {{ hash_pii(normalize_name(dbt.concat([
            "coalesce(latest_versions.name, '')", "' '", "coalesce(latest_versions.last_name, '')"
        ]))) }} as full_name_hash,
        latest_versions.active as is_active,
        coalesce(latest_versions.timestamp_x, cast(latest_versions._batch_id as timestamp)) as updated_at,
        latest_versions._batch_id as source_batch_id
    from latest_versions
    left join departments_latest
        on {{ regexp_first('latest_versions.uf_department', '[0-9]+') }} = trim(departments_latest.id)
),

final as (
    select
        -- ids
        users.user_id,

        -- strings
        'bitrix24' as source_system,
        {{ vocabulary_value('team', 'users.source_team', 'teams', 'bitrix24') }} as team_name,
        users.source_team,
        users.full_name_hash,

        -- booleans
        -- Bitrix24 users have no standard field saying that they work for an outsourced partner
        cast(null as boolean) as is_outsourced,
        users.is_active,

        -- timestamps
        users.updated_at,

        -- lineage
        users.source_batch_id
    from users
    {{ vocabulary_join('team', 'users.source_team', 'teams', 'bitrix24') }}
)

select * from final
