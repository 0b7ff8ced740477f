with

opportunities as (
    select * from {{ ref('int_crm_opportunities_unioned') }}
),

rolled_up as (
    select
        lead_id,
        count(*) as opportunity_count,
        sum(case when is_won then 1 else 0 end) as won_opportunity_count,
        sum(case when is_won then amount_reporting else 0 end) as won_amount_reporting,
        min(created_at) as first_opportunity_created_at,
        min(case when is_won then closed_at end) as first_won_at
    from opportunities
    group by lead_id
),

final as (
    select
        -- ids
        lead_id,

        -- numerics
        opportunity_count,
        won_opportunity_count,
        cast(won_amount_reporting as decimal(18, 2)) as won_amount_reporting,

        -- booleans
        won_opportunity_count > 0 as is_won,

        -- timestamps
        first_opportunity_created_at,
        first_won_at
    from rolled_up
)

select * from final
