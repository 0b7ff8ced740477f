{#-
    Currency conversion to the reporting currency (var reporting_currency).

    join_fx_rate(relation, fx_rates, currency_code, transaction_date) returns a select of every
    column of `relation` plus fx_rate_to_reporting: the rate of the fx row of that currency with
    the latest rate_date on or before the transaction date (as-of), 1 for the reporting currency
    itself, null when no rate is known. `fx_rates` is the name of an import CTE over
    ref('base_marketing__fx_rates'); currency_code and transaction_date are SQL expressions over
    `relation`, qualified with its name.
-#}
{% macro join_fx_rate(relation, fx_rates, currency_code, transaction_date) -%}
    {%- set implementation = adapter.dispatch('join_fx_rate', 'sales_funnel') -%}
    {{ return(implementation(relation, fx_rates, currency_code, transaction_date)) }}
{%- endmacro %}

{#- Standard SQL (runs on Spark): each rate is valid from its rate_date until the next one. -#}
{% macro default__join_fx_rate(relation, fx_rates, currency_code, transaction_date) -%}
    select
        {{ relation }}.*,
        {{ fx_rate_to_reporting(fx_rates, currency_code) }} as fx_rate_to_reporting
    from {{ relation }}
    left join {{ fx_rates }}
        on {{ currency_code }} = {{ fx_rates }}.currency_code
        and {{ transaction_date }} >= {{ fx_rates }}.rate_date
        and (
            {{ fx_rates }}.next_rate_date is null
            or {{ transaction_date }} < {{ fx_rates }}.next_rate_date
        )
{%- endmacro %}

{#- DuckDB has a native as-of join. -#}
{% macro duckdb__join_fx_rate(relation, fx_rates, currency_code, transaction_date) -%}
    select
        {{ relation }}.*,
        {{ fx_rate_to_reporting(fx_rates, currency_code) }} as fx_rate_to_reporting
    from {{ relation }}
    asof left join {{ fx_rates }}
        on {{ currency_code }} = {{ fx_rates }}.currency_code
        and {{ transaction_date }} >= {{ fx_rates }}.rate_date
{%- endmacro %}

{% macro fx_rate_to_reporting(fx_rates, currency_code) -%}
    cast(
        case
            when {{ currency_code }} = '{{ setting("reporting_currency", "code") }}' then 1
            else {{ fx_rates }}.rate_to_reporting
        end as decimal(24, 12)
    )
{%- endmacro %}

{#- An amount in the reporting currency, rounded to cents; null when the rate is unknown. -#}
{% macro to_reporting_currency(amount, fx_rate='fx_rate_to_reporting') -%}
    cast(round({{ amount }} * {{ fx_rate }}, 2) as decimal(18, 2))
{%- endmacro %}
