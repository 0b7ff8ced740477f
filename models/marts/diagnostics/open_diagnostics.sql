with

funnel_health as (
    select * from {{ ref('funnel_health') }}
),

final as (
    select
        -- ids
        rule_id,

        -- strings
        period_grain,
        period_basis,
        segment_type,
        segment_value,
        rule_name,
        metric_name,
        alert_direction,
        recommended_action,
        threshold_description,

        -- numerics
        rule_order,
        numerator_count,
        denominator_count,
        metric_value,
        threshold,

        -- dates
        period_start_date,
        period_end_date,
        as_of_date
    from funnel_health
    where is_latest_period
        and status = 'alert'
)

select * from final
