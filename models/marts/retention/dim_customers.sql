with

purchase_days_rolled_up_to_customers as (
    select * from {{ ref('int_purchase_days_rolled_up_to_customers') }}
),

customers as (
    select * from {{ ref('stg_pos__customers') }}
),

customers_matched_to_leads as (
    select * from {{ ref('int_customers_matched_to_leads') }}
),

leads as (
    select * from {{ ref('int_leads_enriched') }}
),

channel_mapping as (
    select * from {{ ref('channel_mapping') }}
),

-- Customers no lead acquired first came in on their own: the conformed `walk_in` channel.
walk_in_channel as (
    select max(channel_group) as channel_group
    from channel_mapping
    where channel = 'walk_in'
),

customers_with_acquisition as (
    select
        purchase_days_rolled_up_to_customers.*,
        customers.signup_store_id,
        customers.has_marketing_consent,
        customers.signed_up_at,
        customers_matched_to_leads.lead_id as matched_lead_id,
        coalesce(customers_matched_to_leads.match_method, 'none') as lead_match_method,
        customers_matched_to_leads.lead_created_date as matched_lead_created_date,
        -- only a lead created on or before the first purchase can have acquired the customer
        coalesce(customers_matched_to_leads.is_lead_created_by_first_purchase, false)
            as is_acquired_through_lead,
        leads.channel as lead_channel,
        leads.channel_group as lead_channel_group,
        leads.lead_temperature,
        walk_in_channel.channel_group as walk_in_channel_group
    from purchase_days_rolled_up_to_customers
    cross join walk_in_channel
    left join customers
        on purchase_days_rolled_up_to_customers.customer_id = customers.customer_id
    left join customers_matched_to_leads
        on purchase_days_rolled_up_to_customers.customer_id = customers_matched_to_leads.customer_id
    left join leads
        on customers_matched_to_leads.lead_id = leads.lead_id
),

final as (
    select
        -- ids
        customer_id,
        first_purchase_store_id,
        signup_store_id,
        matched_lead_id,

        -- strings
        lead_match_method,
        case when is_acquired_through_lead then lead_channel else 'walk_in' end as acquisition_channel,
        case
            when is_acquired_through_lead then lead_channel_group
            else coalesce(walk_in_channel_group, 'direct')
        end as acquisition_channel_group,
        -- a walk-in came on their own: inbound, hence hot, as int_leads_enriched rates inbound leads
        case when is_acquired_through_lead then lead_temperature else 'hot' end as lead_temperature,

        -- numerics
        cast(purchase_count as integer) as purchase_count,
        cast(purchase_day_count as integer) as purchase_day_count,
        cast(return_count as integer) as return_count,
        cast(gross_sales_amount as decimal(18, 2)) as gross_sales_amount,
        cast(returns_amount as decimal(18, 2)) as returns_amount,
        cast(net_revenue_amount as decimal(18, 2)) as net_revenue_amount,

        -- booleans
        is_acquired_through_lead,
        purchase_day_count >= 2 as is_repeat_customer,
        has_marketing_consent,

        -- dates
        first_purchase_date,
        last_purchase_date,
        cast(signed_up_at as date) as signed_up_date,
        matched_lead_created_date,
        as_of_date
    from customers_with_acquisition
)

select * from final
