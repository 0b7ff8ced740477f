{#-
    Creates the tables of source `clv_fit` (models/marts/retention/_retention__sources.yml), empty,
    where they do not exist yet. The pipeline's clv stage writes them after the dbt build; a build that
    runs without the stage (by hand, on Spark, in tests) then still finds them, and the models reading
    them build on no scores. Run as an on-run-start hook. The tables are made by `create table as
    select` of typed nulls, so that Spark writes an empty file with the schema, as it does for an
    empty model.
-#}
{% macro create_clv_fit_tables() -%}
    {%- if execute -%}
        {%- set tables = graph.sources.values() | selectattr('source_name', 'equalto', 'clv_fit') -%}
        {%- for table in tables | sort(attribute='identifier') -%}
            {%- set columns = [] -%}
            {%- for column in table.columns.values() -%}
                {%- do columns.append(dbt.cast('null', column.data_type) ~ ' as ' ~ column.name) -%}
            {%- endfor -%}
            {%- do run_query('create schema if not exists ' ~ table.schema) -%}
            {%- do run_query(create_empty_table_if_missing(table.schema ~ '.' ~ table.identifier, columns)) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro create_empty_table_if_missing(relation, columns) -%}
    {{ return(adapter.dispatch('create_empty_table_if_missing', 'sales_funnel')(relation, columns)) }}
{%- endmacro %}

{% macro default__create_empty_table_if_missing(relation, columns) -%}
    create table if not exists {{ relation }} as select {{ columns | join(', ') }} where 1 = 0
{%- endmacro %}

{% macro spark__create_empty_table_if_missing(relation, columns) -%}
    create table if not exists {{ relation }} using {{ env_var('FUNNEL_SPARK_FILE_FORMAT', 'parquet') }}
    as select {{ columns | join(', ') }} where 1 = 0
{%- endmacro %}
