with

lifetime_summary as (
    select * from {{ ref('customer_lifetime_summary') }}
),

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
),

-- Quintiles over every customer: recent, frequent and high spenders score 5. Recency here is the
-- RFM one (days since the last purchase), not the lifetimes one (first to last purchase).
customers_scored as (
    select
        customer_id,
        {{ quintile_score('days_since_last_purchase desc') }} as recency_score,
        {{ quintile_score('frequency') }} as frequency_score,
        {{ quintile_score('net_revenue_amount') }} as monetary_score,
        days_since_last_purchase,
        frequency,
        net_revenue_amount,
        is_repeat_customer,
        last_purchase_date,
        as_of_date
    from lifetime_summary
),

customers_segmented as (
    select
        customers_scored.*,
        rfm_segments.segment_name
    from customers_scored
    left join rfm_segments
        on customers_scored.recency_score
        between rfm_segments.recency_score_min and rfm_segments.recency_score_max
        and customers_scored.frequency_score
        between rfm_segments.frequency_score_min and rfm_segments.frequency_score_max
),

final as (
    select
        -- ids
        customer_id,

        -- strings
        segment_name as rfm_segment,
        {{ dbt.concat([
            dbt.cast('recency_score', dbt.type_string()),
            dbt.cast('frequency_score', dbt.type_string()),
            dbt.cast('monetary_score', dbt.type_string()),
        ]) }} as rfm_score,

        -- numerics
        recency_score,
        frequency_score,
        monetary_score,
        days_since_last_purchase,
        frequency,
        cast(net_revenue_amount as decimal(18, 2)) as net_revenue_amount,
        cast({{ retention_lapsed_after_days() }} as integer) as lapsed_after_days,

        -- booleans
        is_repeat_customer,
        days_since_last_purchase >= {{ retention_lapsed_after_days() }} as is_lapsed,

        -- dates
        last_purchase_date,
        as_of_date
    from customers_segmented
)

select * from final
