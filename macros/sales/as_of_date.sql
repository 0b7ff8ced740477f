{#-
    The as-of date of point-in-time measures (open pipeline, days open): var `as_of_date`
    ('YYYY-MM-DD') as a SQL date literal, validated because vars are pasted into SQL as text;
    `default` (a SQL expression, e.g. the latest date in the data) when the var is not set.
-#}
{% macro as_of_date(default) -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or (value | string | trim) == '' -%}
        {{ return(default) }}
    {%- endif -%}
    {%- set value = value | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
        {{ exceptions.raise_compiler_error("var as_of_date must be a date 'YYYY-MM-DD', got: " ~ value) }}
    {%- endif -%}
    {%- set parsed = modules.datetime.datetime.strptime(value, '%Y-%m-%d') -%}
    {{ return("cast('" ~ parsed.strftime('%Y-%m-%d') ~ "' as date)") }}
{%- endmacro %}
