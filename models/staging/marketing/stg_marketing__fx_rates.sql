with

fx_rates as (
    select * from {{ ref('base_marketing__fx_rates') }}
),

final as (
    select
        -- strings
        currency_code,

        -- numerics
        rate_to_reporting,

        -- dates
        rate_date,
        next_rate_date,

        -- lineage
        source_batch_id
    from fx_rates
)

select * from final
