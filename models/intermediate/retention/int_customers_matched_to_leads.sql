with

customers as (
    select * from {{ ref('stg_pos__customers') }}
),

leads as (
    select * from {{ ref('int_leads_enriched') }}
),

receipts as (
    select * from {{ ref('stg_pos__receipts') }}
),

-- Anonymous receipts (no customer_id) never belong to a customer.
first_purchases as (
    select
        customer_id,
        min(cast(occurred_at as date)) as first_purchase_date
    from receipts
    where customer_id is not null
        and not is_return
    group by customer_id
),

customers_with_reference_date as (
    select
        customers.customer_id,
        customers.email_hash,
        customers.phone_hash,
        first_purchases.first_purchase_date,
        -- a customer who never bought is matched as of their sign-up
        coalesce(
            first_purchases.first_purchase_date,
            cast(customers.signed_up_at as date)
        ) as reference_date
    from customers
    left join first_purchases
        on customers.customer_id = first_purchases.customer_id
),

-- Equal hashes of normalised values: null never matches null.
candidate_leads as (
    select
        customers_with_reference_date.customer_id,
        leads.lead_id,
        'email' as match_method,
        1 as match_priority,
        customers_with_reference_date.reference_date,
        leads.created_date,
        leads.created_at
    from customers_with_reference_date
    inner join leads
        on customers_with_reference_date.email_hash = leads.email_hash

    union all

    select
        customers_with_reference_date.customer_id,
        leads.lead_id,
        'phone' as match_method,
        2 as match_priority,
        customers_with_reference_date.reference_date,
        leads.created_date,
        leads.created_at
    from customers_with_reference_date
    inner join leads
        on customers_with_reference_date.phone_hash = leads.phone_hash
),

candidate_lead_counts as (
    select
        customer_id,
        count(distinct lead_id) as candidate_lead_count
    from candidate_leads
    group by customer_id
),

-- E-mail before phone; then the latest lead created on or before the reference date; else the
-- earliest lead; lead_id breaks the remaining ties.
candidate_leads_ranked as (
    select
        *,
        row_number() over (
            partition by customer_id
            order by
                match_priority asc,
                case when created_date <= reference_date then 0 else 1 end asc,
                case when created_date <= reference_date then created_at end desc,
                created_at asc,
                lead_id asc
        ) as candidate_rank
    from candidate_leads
),

chosen_leads as (
    select *
    from candidate_leads_ranked
    where candidate_rank = 1
),

final as (
    select
        -- ids
        customers_with_reference_date.customer_id,
        chosen_leads.lead_id,

        -- strings
        coalesce(chosen_leads.match_method, 'none') as match_method,

        -- numerics
        cast(coalesce(candidate_lead_counts.candidate_lead_count, 0) as integer) as candidate_lead_count,

        -- booleans
        coalesce(
            chosen_leads.created_date <= customers_with_reference_date.first_purchase_date,
            false
        ) as is_lead_created_by_first_purchase,

        -- dates
        customers_with_reference_date.first_purchase_date,
        chosen_leads.created_date as lead_created_date
    from customers_with_reference_date
    left join chosen_leads
        on customers_with_reference_date.customer_id = chosen_leads.customer_id
    left join candidate_lead_counts
        on customers_with_reference_date.customer_id = candidate_lead_counts.customer_id
)

select * from final
