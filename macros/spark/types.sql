{#-
    Type names written for DuckDB (the contract's `varchar`, `integer`...) as Spark SQL types: Spark
    has no varchar without a length, so it becomes `string`; every other name passes through.
-#}
{% macro spark_type(data_type) -%}
    {%- set normalized = data_type | string | lower | trim -%}
    {%- set names = {'varchar': 'string', 'text': 'string', 'character varying': 'string'} -%}
    {{- return(names.get(normalized, data_type)) -}}
{%- endmacro %}

{#-
    dbt's cast on Spark, with the type name translated: dbt casts null to each declared column type
    to check a model contract (get_empty_schema_sql), and the YAML declares `varchar`.
-#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}
