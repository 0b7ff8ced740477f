with

leads as (
    select * from {{ ref('int_leads_enriched') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

funnels as (
    select distinct funnel
    from funnel_steps
),

final as (
    select
        -- ids
        leads.lead_id,

        -- strings
        funnels.funnel,
        leads.initiative,

        -- booleans
        funnels.funnel is not null as is_in_funnel,

        -- timestamps
        leads.created_at,
        -- the window is [created_at, created_at + N days): an event at exactly N x 24 h is outside
        {{ dbt.dateadd('day', conversion_window_days(), 'leads.created_at') }} as conversion_window_ends_at
    from leads
    left join funnels
        on leads.initiative = funnels.funnel
)

select * from final
