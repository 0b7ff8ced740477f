{#- Generic test: the column (a share or rate) is null or in [0, 1]; fails with the offending rows. -#}
{% test share_between_zero_and_one(model, column_name) -%}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < 0 or {{ column_name }} > 1
{%- endtest %}
