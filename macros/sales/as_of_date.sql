{#-
    The as-of date of point-in-time measures (open pipeline, days open): the setting `as_of_date`
    as a SQL date, or `default` (a SQL expression, e.g. the latest date in the data) when it is empty.
-#}
{% macro as_of_date(default) -%}
    {%- set value = setting('as_of_date', 'date') -%}
    {{ return(default if value is none else value) }}
{%- endmacro %}
