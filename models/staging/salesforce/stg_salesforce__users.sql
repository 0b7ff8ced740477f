with

source as (
    select * from {{ source('salesforce', 'User') }}
),

versions as (
    select
        *,
        {{ salesforce_id('id') }} as user_key,
        coalesce(systemmodstamp, createddate) as version_at
    from source
),

latest_versions as (
    {{ deduplicate_to_latest('versions', ['user_key'], 'version_at') }}
),

users as (
    select
        user_key as user_id,
        {{ clean_text('department') }} as source_team,
        {{ hash_pii(normalize_name(
            "coalesce(nullif(trim(name), ''), " ~ dbt.concat(["coalesce(firstname, '')", "' '", "coalesce(lastname, '')"]) ~ ")"
        )) }} as full_name_hash,
        isactive as is_active,
        version_at as updated_at,
        _batch_id as source_batch_id
    from latest_versions
),

final as (
    select
        -- ids
        users.user_id,

        -- strings
        'salesforce' as source_system,
        {{ vocabulary_value('team', 'users.source_team', 'teams', 'salesforce') }} as team_name,
        users.source_team,
        users.full_name_hash,

        -- booleans
        -- Salesforce has no standard field saying that a user works for an outsourced partner
        cast(null as boolean) as is_outsourced,
        users.is_active,

        -- timestamps
        users.updated_at,

        -- lineage
        users.source_batch_id
    from users
    {{ vocabulary_join('team', 'users.source_team', 'teams', 'salesforce') }}
)

select * from final
