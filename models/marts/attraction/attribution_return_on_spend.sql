with

credits as (
    select * from {{ ref('fct_attribution_credits') }}
),

spend as (
    select * from {{ ref('stg_marketing__spend') }}
),

campaigns as (
    select * from {{ ref('int_crm_campaigns_unioned') }}
),

-- spend is the same under every model and for both conversion types: repeat it beside each
model_conversion_types as (
    {%- for model in attribution_models() %}
    {%- set outer_loop = loop %}
    {%- for conversion_type in ['won_deal', 'new_customer'] %}
    select
        '{{ model }}' as attribution_model,
        '{{ conversion_type }}' as conversion_type
    {% if not (outer_loop.last and loop.last) %}union all{% endif %}
    {%- endfor %}
    {%- endfor %}
),

-- credits and spend stacked on one key and then summed: the same rows as a full outer join on
-- (model, type, month, channel, campaign), without the null campaign failing the join condition
credit_facts as (
    select
        attribution_model,
        conversion_type,
        month_start_date,
        channel_group,
        channel,
        campaign_id,
        credit_share as attributed_conversion_count,
        credit_amount as attributed_amount,
        case when is_amount_final then 0 else 1 end as open_credit_count,
        cast(null as decimal(18, 2)) as spend_amount,
        0 as spend_row_count
    from credits
),

spend_facts as (
    select
        model_conversion_types.attribution_model,
        model_conversion_types.conversion_type,
        cast({{ dbt.date_trunc('month', 'spend.spend_date') }} as date) as month_start_date,
        spend.channel_group,
        spend.channel,
        spend.campaign_id,
        0.0 as attributed_conversion_count,
        cast(0 as decimal(18, 2)) as attributed_amount,
        0 as open_credit_count,
        spend.spend_amount_reporting as spend_amount,
        1 as spend_row_count
    from spend
    cross join model_conversion_types
),

facts as (
    select * from credit_facts
    union all
    select * from spend_facts
),

-- the campaign grain keeps campaign_id in the key; the channel grain sums over it
both_grains as (
    {%- for grain in ['channel', 'campaign'] %}
    select
        '{{ grain }}' as grain,
        attribution_model,
        conversion_type,
        month_start_date,
        channel_group,
        channel,
        {% if grain == 'campaign' -%}
        campaign_id,
        {%- else -%}
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        {%- endif %}
        sum(attributed_conversion_count) as attributed_conversion_count,
        sum(attributed_amount) as attributed_amount,
        sum(open_credit_count) as open_credit_count,
        sum(spend_amount) as spend_amount,
        sum(spend_row_count) as spend_row_count
    from facts
    group by
        attribution_model,
        conversion_type,
        month_start_date,
        channel_group,
        channel{% if grain == 'campaign' %},
        campaign_id{% endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

totals as (
    select
        both_grains.*,
        case
            when both_grains.grain = 'campaign' and both_grains.campaign_id is not null
                then coalesce(campaigns.campaign_name, 'unknown')
        end as campaign_name
    from both_grains
    left join campaigns
        on both_grains.campaign_id = campaigns.campaign_id
),

final as (
    select
        -- ids
        campaign_id,

        -- strings
        grain,
        attribution_model,
        conversion_type,
        channel_group,
        channel,
        campaign_name,

        -- numerics
        cast(attributed_conversion_count as double) as attributed_conversion_count,
        cast(attributed_amount as decimal(18, 2)) as attributed_amount,
        cast(coalesce(spend_amount, 0) as decimal(18, 2)) as spend_amount,
        -- no spend recorded (or none in the reporting currency): no ratio, rather than an infinite one
        cast(attributed_amount as double) / nullif(cast(spend_amount as double), 0) as return_on_spend_ratio,

        -- booleans
        spend_row_count > 0 as has_spend_record,
        open_credit_count = 0 as is_amount_final,

        -- dates
        month_start_date
    from totals
)

select * from final
