with

leads as (
    select * from {{ ref('int_leads_enriched') }}
),

opportunities_by_lead as (
    select * from {{ ref('int_opportunities_rolled_up_to_leads') }}
),

-- a lead becomes a new won client when its first opportunity is won, whenever it was created
new_won_clients as (
    select
        leads.lead_id,
        coalesce(leads.owner_user_id, 'unassigned') as owner_user_id,
        coalesce(leads.team_name, 'unassigned') as team_name,
        leads.lead_temperature,
        cast({{ dbt.date_trunc('week', 'opportunities_by_lead.first_won_at') }} as date) as won_week,
        cast({{ dbt.date_trunc('month', 'opportunities_by_lead.first_won_at') }} as date) as won_month
    from leads
    inner join opportunities_by_lead
        on leads.lead_id = opportunities_by_lead.lead_id
    where opportunities_by_lead.first_won_at is not null
),

new_won_clients_by_period as (
    {{ attraction_periods('new_won_clients', 'won_week', 'won_month') }}
),

-- channels map to one initiative, so a channel's hot share is 0 or 1 by construction: no channel segment
new_won_clients_by_segment as (
    select
        period_grain,
        period_start_date,
        'overall' as segment_type,
        'all' as segment_value,
        lead_temperature
    from new_won_clients_by_period

    union all

    select
        period_grain,
        period_start_date,
        'team' as segment_type,
        team_name as segment_value,
        lead_temperature
    from new_won_clients_by_period

    union all

    select
        period_grain,
        period_start_date,
        'owner' as segment_type,
        owner_user_id as segment_value,
        lead_temperature
    from new_won_clients_by_period
),

final as (
    select
        -- strings
        period_grain,
        segment_type,
        segment_value,

        -- numerics
        cast(count(*) as bigint) as new_won_client_count,
        cast(sum(case when lead_temperature = 'hot' then 1 else 0 end) as bigint) as hot_new_won_client_count,

        -- dates
        period_start_date
    from new_won_clients_by_segment
    group by
        period_grain,
        period_start_date,
        segment_type,
        segment_value
)

select * from final
