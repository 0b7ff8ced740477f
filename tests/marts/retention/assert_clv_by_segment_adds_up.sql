-- Every customer the CLV fit scored is in clv_by_segment once per segmentation: each segment type adds
-- up to the overall row, and the overall row holds every row of customer_lifetime_value.

with

clv_by_segment as (
    select * from {{ ref('clv_by_segment') }}
),

customer_lifetime_values as (
    select * from {{ source('clv_fit', 'customer_lifetime_value') }}
),

segment_types_rolled_up as (
    select
        segment_type,
        sum(customer_count) as customer_count,
        sum(clv_customer_count) as clv_customer_count,
        sum(clv_amount) as clv_amount
    from clv_by_segment
    group by segment_type
),

scored as (
    select
        'customer_lifetime_value' as segment_type,
        count(*) as customer_count,
        count(clv_amount) as clv_customer_count,
        sum(clv_amount) as clv_amount
    from customer_lifetime_values
),

compared as (
    select * from segment_types_rolled_up
    union all
    select * from scored
    where customer_count > 0
),

overall as (
    select * from segment_types_rolled_up
    where segment_type = 'overall'
),

final as (
    select compared.*
    from compared
    left join overall
        on 1 = 1
    where compared.customer_count != coalesce(overall.customer_count, 0)
        or compared.clv_customer_count != coalesce(overall.clv_customer_count, 0)
        or coalesce(compared.clv_amount, 0) != coalesce(overall.clv_amount, 0)
)

select * from final
