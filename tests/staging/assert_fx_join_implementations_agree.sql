-- join_fx_rate has a DuckDB as-of join and a standard range join for other engines: on DuckDB
-- both must give every receipt the same rate. Elsewhere only the standard one exists.

{% if target.type == 'duckdb' -%}

with

receipts as (
    select * from {{ ref('base_pos__receipts') }}
),

fx_rates as (
    select * from {{ ref('base_marketing__fx_rates') }}
),

receipts_as_of_joined as (
    {{ sales_funnel.duckdb__join_fx_rate(
        'receipts', 'fx_rates', 'receipts.currency_code', 'cast(receipts.occurred_at as date)'
    ) }}
),

receipts_range_joined as (
    {{ sales_funnel.default__join_fx_rate(
        'receipts', 'fx_rates', 'receipts.currency_code', 'cast(receipts.occurred_at as date)'
    ) }}
),

only_as_of as (
    select
        receipt_id,
        fx_rate_to_reporting
    from receipts_as_of_joined

    except all

    select
        receipt_id,
        fx_rate_to_reporting
    from receipts_range_joined
),

only_range as (
    select
        receipt_id,
        fx_rate_to_reporting
    from receipts_range_joined

    except all

    select
        receipt_id,
        fx_rate_to_reporting
    from receipts_as_of_joined
),

final as (
    select
        'as_of_join_only' as found_in,
        receipt_id,
        fx_rate_to_reporting
    from only_as_of

    union all

    select
        'range_join_only' as found_in,
        receipt_id,
        fx_rate_to_reporting
    from only_range
)

select * from final

{%- else -%}

select 1 as nothing_to_compare
where 1 = 0

{%- endif %}
