{#-
    Parameters of the retention area. `--vars` are pasted into SQL as text, so each one is checked
    before it reaches a query: a bad value stops the compilation with a readable error.
-#}

{#-
    The as-of date of the retention area as a SQL date expression: var `as_of_date` (YYYY-MM-DD,
    validated by the project-wide `as_of_date` macro) or, when unset, the latest UTC date of a sale
    receipt in `receipts` (a relation or CTE name over stg_pos__receipts), the way `lifetimes`
    defaults observation_period_end to the latest transaction.
-#}
{% macro retention_as_of_date(receipts) -%}
    {%- set latest_sale_date -%}
        (
            select max(cast(occurred_at as date))
            from {{ receipts }}
            where not is_return
        )
    {%- endset -%}
    {{ as_of_date(latest_sale_date) }}
{%- endmacro %}

{#- Days without a purchase after which a customer is lapsed: the setting `lapsed_after_days`. -#}
{% macro retention_lapsed_after_days() -%}
    {{ return(setting('lapsed_after_days', 'integer')) }}
{%- endmacro %}
