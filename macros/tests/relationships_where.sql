{#-
    Generic test, dbt_utils' relationships_where: every value of the column, on the rows that meet
    from_condition, is a value of `field` in `to` on its rows that meet to_condition (a vocabulary
    seed's subset, say). Nulls pass, as in `relationships`. Fails with one row per value not found.
-#}
{% test relationships_where(model, column_name, to, field, from_condition='1 = 1', to_condition='1 = 1') -%}
    with

    children as (
        select {{ column_name }} as value
        from {{ model }}
        where {{ column_name }} is not null
            and ({{ from_condition }})
    ),

    parents as (
        select {{ field }} as value
        from {{ to }}
        where {{ to_condition }}
    )

    select children.value
    from children
    left join parents
        on children.value = parents.value
    where parents.value is null
{%- endtest %}
