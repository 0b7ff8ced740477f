{%- set half_life_days = attribution_half_life_days() -%}

with

conversions as (
    select * from {{ ref('fct_attribution_conversions') }}
),

touches as (
    select * from {{ ref('int_crm_campaign_members_unioned') }}
),

campaigns as (
    select * from {{ ref('int_crm_campaigns_unioned') }}
),

-- a touch counts only when it earns credit and happened at or before the conversion
touches_before_conversions as (
    select
        conversions.conversion_type,
        conversions.conversion_id,
        conversions.lead_id,
        conversions.converted_amount,
        conversions.is_amount_final,
        conversions.converted_at,
        touches.campaign_id,
        touches.touch_type,
        touches.touched_at
    from conversions
    inner join touches
        on conversions.lead_id = touches.lead_id
        and conversions.converted_at >= touches.touched_at
    where touches.is_attributable
),

touches_aged as (
    select
        *,
        cast({{ dbt.datediff('touched_at', 'converted_at', 'second') }} as double) / 86400 as days_before_conversion  -- noqa: LT05
    from touches_before_conversions
),

-- ties in time are ordered by campaign and touch type, so that every run credits the same touch
touches_ordered as (
    select
        *,
        row_number() over (
            partition by conversion_type, conversion_id
            order by touched_at, campaign_id, touch_type
        ) as touch_position,
        count(*) over (partition by conversion_type, conversion_id) as touch_count,
        -- halves every half-life before the conversion; measured from the latest touch (weight 1),
        -- which leaves the shares unchanged and keeps old touches from underflowing all to 0
        power(
            0.5,
            (
                days_before_conversion
                - min(days_before_conversion) over (partition by conversion_type, conversion_id)
            ) / {{ half_life_days }}
        ) as decay_weight
    from touches_aged
),

touches_with_shares as (
    select
        *,
        case when touch_position = 1 then 1.0 else 0.0 end as first_touch_share,
        case when touch_position = touch_count then 1.0 else 0.0 end as last_touch_share,
        1.0 / touch_count as linear_share,
        -- 40% to the first and to the last touch, 20% shared by the ones between; 50/50 for two
        case
            when touch_count = 1 then 1.0
            when touch_count = 2 then 0.5
            when touch_position = 1 or touch_position = touch_count then 0.4
            else 0.2 / (touch_count - 2)
        end as position_based_share,
        decay_weight / sum(decay_weight) over (partition by conversion_type, conversion_id) as time_decay_share
    from touches_ordered
),

-- one row per model and credited touch; a touch a model gives nothing is left out
credits as (
    {%- for model in attribution_models() %}
    select
        '{{ model }}' as attribution_model,
        conversion_type,
        conversion_id,
        lead_id,
        campaign_id,
        touch_type,
        touch_position,
        touch_count,
        {{ model }}_share as credit_share,
        converted_amount,
        is_amount_final,
        touched_at,
        converted_at
    from touches_with_shares
    where {{ model }}_share > 0
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- a conversion without a touch before it keeps its whole amount, as one 'no_touch' credit per model
untouched_conversions as (
    {%- for model in attribution_models() %}
    select
        '{{ model }}' as attribution_model,
        conversions.conversion_type,
        conversions.conversion_id,
        conversions.lead_id,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as {{ dbt.type_string() }}) as touch_type,
        0 as touch_position,
        0 as touch_count,
        1.0 as credit_share,
        conversions.converted_amount,
        conversions.is_amount_final,
        cast(null as {{ dbt.type_timestamp() }}) as touched_at,
        conversions.converted_at
    from conversions
    left join touches_before_conversions
        on conversions.conversion_type = touches_before_conversions.conversion_type
        and conversions.conversion_id = touches_before_conversions.conversion_id
    where touches_before_conversions.conversion_id is null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

all_credits as (
    select * from credits
    union all
    select * from untouched_conversions
),

-- Whole cents: every credit is rounded down, and the cents left over go one each to the largest
-- remainders (ties to the earlier touch), so that a model's credits add up to the amount exactly.
credits_in_cents as (
    select
        *,
        converted_amount * 100 * credit_share as exact_cents,
        floor(round(converted_amount * 100 * credit_share, 6)) as floored_cents
    from all_credits
),

credits_ranked as (
    select
        *,
        cast(round(converted_amount * 100) as {{ dbt.type_bigint() }})
        - sum(floored_cents) over (partition by attribution_model, conversion_type, conversion_id)
            as leftover_cents,
        row_number() over (
            partition by attribution_model, conversion_type, conversion_id
            order by exact_cents - floored_cents desc, touch_position
        ) as leftover_rank
    from credits_in_cents
),

credits_joined as (
    select
        credits_ranked.*,
        (
            credits_ranked.floored_cents
            + case when credits_ranked.leftover_rank <= credits_ranked.leftover_cents then 1 else 0 end
        ) / 100.0 as credit_amount,
        case
            when credits_ranked.touch_position = 0 then 'no_touch'
            else coalesce(campaigns.channel_group, 'unknown')
        end as channel_group,
        case
            when credits_ranked.touch_position = 0 then 'no_touch'
            else coalesce(campaigns.channel, 'unknown')
        end as channel
    from credits_ranked
    left join campaigns
        on credits_ranked.campaign_id = campaigns.campaign_id
),

final as (
    select
        -- ids
        conversion_id,
        lead_id,
        campaign_id,

        -- strings
        attribution_model,
        conversion_type,
        channel_group,
        channel,
        touch_type,

        -- numerics
        cast(touch_position as integer) as touch_position,
        cast(touch_count as integer) as touch_count,
        cast(credit_share as double) as credit_share,
        cast(credit_amount as decimal(18, 2)) as credit_amount,
        converted_amount,

        -- booleans
        is_amount_final,

        -- dates
        cast({{ dbt.date_trunc('month', 'coalesce(touched_at, converted_at)') }} as date) as month_start_date,

        -- timestamps
        touched_at,
        converted_at
    from credits_joined
)

select * from final
