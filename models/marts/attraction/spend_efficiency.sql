with

spend as (
    select * from {{ ref('stg_marketing__spend') }}
),

leads as (
    select * from {{ ref('int_leads_classified_for_attraction') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

-- spend, leads and wins stacked on one key (month, channel, campaign) and then summed: the same
-- rows as a full outer join on that key, without the null campaign failing the join condition
spend_facts as (
    select
        cast({{ dbt.date_trunc('month', 'spend_date') }} as date) as month_start_date,
        channel_group,
        channel,
        campaign_id,
        spend_amount_reporting as spend_amount,
        1 as spend_row_count,
        case when spend_amount_reporting is null then 1 else 0 end as unconverted_spend_row_count,
        0 as lead_count,
        0 as visit_count,
        0 as new_won_client_count
    from spend
),

lead_facts as (
    select
        cohort_month as month_start_date,
        channel_group,
        channel,
        campaign_id,
        cast(null as decimal(18, 2)) as spend_amount,
        0 as spend_row_count,
        0 as unconverted_spend_row_count,
        1 as lead_count,
        case when is_visit then 1 else 0 end as visit_count,
        0 as new_won_client_count
    from leads
),

-- same-month attribution: a client counts in the month of its first win, for its lead's source
won_client_facts as (
    select
        won_month as month_start_date,
        channel_group,
        channel,
        campaign_id,
        cast(null as decimal(18, 2)) as spend_amount,
        0 as spend_row_count,
        0 as unconverted_spend_row_count,
        0 as lead_count,
        0 as visit_count,
        1 as new_won_client_count
    from leads
    where is_won
),

facts as (
    select * from spend_facts
    union all
    select * from lead_facts
    union all
    select * from won_client_facts
),

facts_named as (
    select
        facts.*,
        campaigns.campaign_name
    from facts
    left join campaigns
        on facts.campaign_id = campaigns.campaign_id
),

-- the two grains are two segments of the facts: each fact counts once per channel and once per campaign
facts_by_grain as (
    {{ rows_by_period_and_segment('facts_named', segments=['channel', 'campaign']) }}
),

-- a campaign row keeps its campaign's id (null: spend or leads without a campaign), labelled as the
-- campaign segment labels it (`unknown` without a known campaign); a channel row has neither
facts_keyed_by_grain as (
    select
        segment_type as grain,
        month_start_date,
        channel_group,
        channel,
        case when segment_type = 'campaign' then campaign_id end as campaign_id,
        case when segment_type = 'campaign' then segment_label end as campaign_name,
        spend_amount,
        spend_row_count,
        unconverted_spend_row_count,
        lead_count,
        visit_count,
        new_won_client_count
    from facts_by_grain
),

grains_summed as (
    select
        grain,
        month_start_date,
        channel_group,
        channel,
        campaign_id,
        campaign_name,
        sum(spend_amount) as spend_amount,
        sum(spend_row_count) as spend_row_count,
        sum(unconverted_spend_row_count) as unconverted_spend_row_count,
        sum(lead_count) as lead_count,
        sum(visit_count) as visit_count,
        sum(new_won_client_count) as new_won_client_count
    from facts_keyed_by_grain
    group by
        grain,
        month_start_date,
        channel_group,
        channel,
        campaign_id,
        campaign_name
),

totals as (
    select
        grain,
        month_start_date,
        channel_group,
        channel,
        campaign_id,
        campaign_name,
        -- no spend recorded for the key: spend 0, but no cost (not "free": unmeasured)
        cast(coalesce(spend_amount, 0) as decimal(18, 2)) as spend_amount,
        case
            when spend_row_count > 0 then spend_amount
        end as recorded_spend_amount,
        lead_count,
        visit_count,
        new_won_client_count,
        spend_row_count > 0 as has_spend_record,
        unconverted_spend_row_count > 0 as has_unconverted_spend
    from grains_summed
),

final as (
    select
        -- ids
        campaign_id,

        -- strings
        grain,
        channel_group,
        channel,
        campaign_name,

        -- numerics
        spend_amount,
        cast(lead_count as bigint) as lead_count,
        cast(visit_count as bigint) as visit_count,
        cast(new_won_client_count as bigint) as new_won_client_count,
        {{ attraction_cost_per('recorded_spend_amount', 'lead_count') }} as cost_per_lead_amount,
        {{ attraction_cost_per('recorded_spend_amount', 'visit_count') }} as cost_per_visit_amount,
        {{ attraction_cost_per('recorded_spend_amount', 'new_won_client_count') }}
            as cost_per_acquired_customer_amount,

        -- booleans
        has_spend_record,
        has_unconverted_spend,

        -- dates
        month_start_date
    from totals
)

select * from final
