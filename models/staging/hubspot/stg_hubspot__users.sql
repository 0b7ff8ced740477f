with

source as (
    select * from {{ source('hubspot', 'owners') }}
),

latest_versions as (
    {{ deduplicate_to_latest('source', ['trim(id)'], 'updatedat') }}
),

owners as (
    select
        {{ namespaced_id('hubspot:owner:', 'id') }} as user_id,
        {{ clean_text('teams') }} as source_team,
        {{ hash_pii(normalize_name(dbt.concat(["coalesce(firstname, '')", "' '", "coalesce(lastname, '')"]))) }}
            as full_name_hash,
        not coalesce(archived, false) as is_active,
        updatedat as updated_at,
        _batch_id as source_batch_id
    from latest_versions
),

final as (
    select
        -- ids
        owners.user_id,

        -- strings
        'hubspot' as source_system,
        {{ vocabulary_value('team', 'owners.source_team', 'teams', 'hubspot') }} as team_name,
        owners.source_team,
        owners.full_name_hash,

        -- booleans
        -- HubSpot owners have no field saying that they work for an outsourced partner
        cast(null as boolean) as is_outsourced,
        owners.is_active,

        -- timestamps
        owners.updated_at,

        -- lineage
        owners.source_batch_id
    from owners
    {{ vocabulary_join('team', 'owners.source_team', 'teams', 'hubspot') }}
)

select * from final
