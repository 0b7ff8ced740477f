{%- set segments = {
    'overall': "'all'",
    'acquisition_channel': 'acquisition_channel',
    'lead_temperature': 'lead_temperature',
    'cohort_month': 'cast(cohort_month as ' ~ dbt.type_string() ~ ')',
} -%}

with

customers as (
    select * from {{ ref('dim_customers') }}
),

customer_lifetime_values as (
    select * from {{ source('clv_fit', 'customer_lifetime_value') }}
),

scored_customers as (
    select
        customer_lifetime_values.customer_id,
        customers.acquisition_channel,
        customers.lead_temperature,
        cast({{ dbt.date_trunc('month', 'customers.first_purchase_date') }} as date) as cohort_month,
        customers.is_repeat_customer,
        customers.net_revenue_amount,
        customer_lifetime_values.probability_alive,
        customer_lifetime_values.expected_purchases_30d,
        customer_lifetime_values.expected_purchases_90d,
        customer_lifetime_values.expected_purchases_365d,
        customer_lifetime_values.clv_amount,
        customer_lifetime_values.run_id,
        customer_lifetime_values.as_of_date
    from customer_lifetime_values
    inner join customers
        on customer_lifetime_values.customer_id = customers.customer_id
),

-- One row per customer and segmentation they fall in: every customer in each.
customers_in_segments as (
    {%- for segment_type, segment_value in segments.items() %}
    select
        '{{ segment_type }}' as segment_type,
        {{ segment_value }} as segment_value,
        scored_customers.*
    from scored_customers
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        -- ids
        max(run_id) as run_id,

        -- strings
        segment_type,
        segment_value,

        -- numerics
        cast(count(*) as integer) as customer_count,
        cast(sum(case when is_repeat_customer then 1 else 0 end) as integer) as repeat_customer_count,
        avg(probability_alive) as average_probability_alive,
        sum(probability_alive) as expected_alive_customer_count,
        sum(expected_purchases_30d) as expected_purchases_30d,
        sum(expected_purchases_90d) as expected_purchases_90d,
        sum(expected_purchases_365d) as expected_purchases_365d,
        cast(count(clv_amount) as integer) as clv_customer_count,
        cast(sum(clv_amount) as decimal(18, 2)) as clv_amount,
        cast(avg(clv_amount) as decimal(18, 2)) as clv_per_customer_amount,
        cast(sum(net_revenue_amount) as decimal(18, 2)) as net_revenue_amount,

        -- dates
        max(as_of_date) as as_of_date
    from customers_in_segments
    group by segment_type, segment_value
)

select * from final
