with

leads as (
    select * from {{ ref('int_leads_classified_for_attraction') }}
),

daily_counts as (
    select
        created_date,
        channel_group,
        channel,
        campaign_id,
        campaign_name,
        owner_user_id,
        team_name,
        team_type,
        initiative,
        sale_type,
        count(*) as lead_count,
        sum(case when is_request then 1 else 0 end) as request_count,
        sum(case when is_visit then 1 else 0 end) as visit_count
    from leads
    group by
        created_date,
        channel_group,
        channel,
        campaign_id,
        campaign_name,
        owner_user_id,
        team_name,
        team_type,
        initiative,
        sale_type
),

final as (
    select
        -- ids
        campaign_id,
        owner_user_id,

        -- strings
        channel_group,
        channel,
        campaign_name,
        team_name,
        team_type,
        initiative,
        sale_type,

        -- numerics
        cast(lead_count as bigint) as lead_count,
        cast(request_count as bigint) as request_count,
        cast(visit_count as bigint) as visit_count,

        -- dates
        created_date
    from daily_counts
)

select * from final
