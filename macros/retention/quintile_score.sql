{#-
    A 1-5 quintile score (a window expression) over all rows of the query: 1 + floor(5 * (rank - 1) / n).
    Without ties it gives ntile(5)'s buckets; unlike ntile(5), rows with equal values always get the
    same score (the score where their tie group starts), so two customers who behave the same never
    land in different segments. `order_by` lists the best values last, e.g. 'frequency' or
    'days_since_last_purchase desc'.
-#}
{% macro quintile_score(order_by) -%}
    cast(
        1 + floor(5.0 * (rank() over (order by {{ order_by }}) - 1) / count(*) over ())
        as integer
    )
{%- endmacro %}
