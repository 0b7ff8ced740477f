{#-
    Generic test: no two rows share the same values in combination_of_columns (null counts as a
    value, so two rows with the same key and a null part are duplicates too). Fails with one row
    per duplicated key and its number of rows.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) -%}
    {%- set columns = combination_of_columns | join(', ') -%}
    select
        {{ columns }},
        count(*) as row_count
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
{%- endtest %}
