-- Every conversion has credits under every attribution model, and under each model its credits add
-- up to the converted amount exactly (to the cent) and its shares to 1. Returns the offenders.

with

conversions as (
    select * from {{ ref('fct_attribution_conversions') }}
),

credits as (
    select * from {{ ref('fct_attribution_credits') }}
),

models as (
    {%- for model in attribution_models() %}
    select '{{ model }}' as attribution_model
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

credits_rolled_up as (
    select
        attribution_model,
        conversion_type,
        conversion_id,
        sum(credit_amount) as credit_amount,
        sum(credit_share) as credit_share
    from credits
    group by attribution_model, conversion_type, conversion_id
),

final as (
    select
        models.attribution_model,
        conversions.conversion_type,
        conversions.conversion_id,
        conversions.converted_amount,
        credits_rolled_up.credit_amount,
        credits_rolled_up.credit_share
    from conversions
    cross join models
    left join credits_rolled_up
        on models.attribution_model = credits_rolled_up.attribution_model
        and conversions.conversion_type = credits_rolled_up.conversion_type
        and conversions.conversion_id = credits_rolled_up.conversion_id
    where credits_rolled_up.conversion_id is null
        or abs(credits_rolled_up.credit_share - 1) > 1e-9
        or credits_rolled_up.credit_amount != conversions.converted_amount
)

select * from final
