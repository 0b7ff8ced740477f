-- Under each attribution model, conversion type and grain, the return-on-spend mart's attributed
-- amounts add up to the credits, and its spend to the spend extract. Returns the offenders.

with

credits as (
    select * from {{ ref('fct_attribution_credits') }}
),

spend as (
    select * from {{ ref('stg_marketing__spend') }}
),

return_on_spend as (
    select * from {{ ref('attribution_return_on_spend') }}
),

credit_totals as (
    select
        attribution_model,
        conversion_type,
        sum(credit_amount) as attributed_amount
    from credits
    group by attribution_model, conversion_type
),

spend_total as (
    select cast(sum(spend_amount_reporting) as decimal(18, 2)) as spend_amount
    from spend
),

mart_totals as (
    select
        grain,
        attribution_model,
        conversion_type,
        sum(attributed_amount) as attributed_amount,
        sum(spend_amount) as spend_amount
    from return_on_spend
    group by grain, attribution_model, conversion_type
),

final as (
    select
        mart_totals.*,
        credit_totals.attributed_amount as credited_amount,
        spend_total.spend_amount as extract_spend_amount
    from mart_totals
    cross join spend_total
    left join credit_totals
        on mart_totals.attribution_model = credit_totals.attribution_model
        and mart_totals.conversion_type = credit_totals.conversion_type
    where coalesce(mart_totals.attributed_amount, 0) != coalesce(credit_totals.attributed_amount, 0)
        or coalesce(mart_totals.spend_amount, 0) != coalesce(spend_total.spend_amount, 0)
)

select * from final
