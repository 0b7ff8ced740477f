with

outbound_calls as (
    select * from {{ ref('int_outbound_calls_classified') }}
),

users as (
    select * from {{ ref('int_crm_users_unioned') }}
),

calls_with_caller_team as (
    select
        outbound_calls.*,
        cast(outbound_calls.occurred_at as date) as activity_date,
        coalesce(users.team_name, 'unassigned') as team_name,
        {{ team_type('outbound_calls.owner_user_id', 'users.team_name', 'users.is_outsourced') }} as team_type
    from outbound_calls
    left join users
        on outbound_calls.owner_user_id = users.user_id
),

final as (
    select
        -- ids
        owner_user_id,

        -- strings
        team_name,
        team_type,
        outcome,

        -- numerics
        cast(count(*) as integer) as dial_count,
        cast(count(distinct lead_id) as integer) as lead_count,
        cast(sum(duration_seconds) as bigint) as total_duration_seconds,
        cast(avg(duration_seconds) as double) as avg_duration_seconds,

        -- booleans
        is_junk_dial,
        is_reached,

        -- dates
        activity_date
    from calls_with_caller_team
    group by
        activity_date,
        owner_user_id,
        team_name,
        team_type,
        outcome,
        is_junk_dial,
        is_reached
)

select * from final
