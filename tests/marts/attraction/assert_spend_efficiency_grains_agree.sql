-- The `channel` rows of spend_efficiency are the sums of its `campaign` rows, and both grains hold
-- all the spend, leads and new won clients of their sources. Fails with a row per mismatch.
with

spend_efficiency as (
    select * from {{ ref('spend_efficiency') }}
),

spend as (
    select * from {{ ref('stg_marketing__spend') }}
),

leads as (
    select * from {{ ref('int_leads_classified_for_attraction') }}
),

campaign_rows_summed as (
    select
        month_start_date,
        channel,
        sum(spend_amount) as spend_amount,
        sum(lead_count) as lead_count,
        sum(visit_count) as visit_count,
        sum(new_won_client_count) as new_won_client_count
    from spend_efficiency
    where grain = 'campaign'
    group by
        month_start_date,
        channel
),

channel_rows as (
    select * from spend_efficiency
    where grain = 'channel'
),

grains_compared as (
    select
        'channel row differs from its campaign rows' as failure,
        coalesce(channel_rows.month_start_date, campaign_rows_summed.month_start_date) as month_start_date,
        coalesce(channel_rows.channel, campaign_rows_summed.channel) as channel
    from channel_rows
    full outer join campaign_rows_summed
        on channel_rows.month_start_date = campaign_rows_summed.month_start_date
        and channel_rows.channel = campaign_rows_summed.channel
    where channel_rows.channel is null
        or campaign_rows_summed.channel is null
        or channel_rows.spend_amount != campaign_rows_summed.spend_amount
        or channel_rows.lead_count != campaign_rows_summed.lead_count
        or channel_rows.visit_count != campaign_rows_summed.visit_count
        or channel_rows.new_won_client_count != campaign_rows_summed.new_won_client_count
),

source_totals as (
    select
        (select coalesce(sum(spend_amount_reporting), 0) from spend) as spend_amount,
        (select count(*) from leads) as lead_count,
        (
            select count(*)
            from leads
            where is_won
        ) as new_won_client_count
),

mart_totals as (
    select
        coalesce(sum(spend_amount), 0) as spend_amount,
        coalesce(sum(lead_count), 0) as lead_count,
        coalesce(sum(new_won_client_count), 0) as new_won_client_count
    from channel_rows
),

totals_compared as (
    select
        'totals differ from stg_marketing__spend / leads' as failure,
        cast(null as date) as month_start_date,
        cast(null as {{ dbt.type_string() }}) as channel
    from source_totals
    cross join mart_totals
    where source_totals.spend_amount != mart_totals.spend_amount
        or source_totals.lead_count != mart_totals.lead_count
        or source_totals.new_won_client_count != mart_totals.new_won_client_count
)

select * from grains_compared
union all
select * from totals_compared
