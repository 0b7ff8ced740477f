{#-
    Makes the dbt sources (schema raw) readable on engines that read the raw batches as files.
    On DuckDB the loader writes the raw tables itself: nothing to do. On Spark each source becomes an
    external Parquet table over the lake that funnel/lake.py writes, partitioned by _batch_id, with
    the contract's column types from the sources YAML. Dropping an external table leaves its files
    alone, so the tables are simply declared again before each build and always follow the contract.

    It runs as the project's on-run-start hook whenever FUNNEL_LAKE_DIR is set (funnel/spark_build.py
    sets it), inside the build's own Spark session: a separate `dbt run-operation` would start a
    second JVM and session, a minute or more on a busy 2-core machine. By hand:
    `dbt run-operation register_raw_tables --args '{lake_dir: /abs/path/lake}'`.
-#}
{% macro register_raw_tables(lake_dir=none) -%}
    {{ return(adapter.dispatch('register_raw_tables', 'sales_funnel')(lake_dir)) }}
{%- endmacro %}

{#- The on-run-start hook: declare the raw tables when a lake is given, else nothing. -#}
{% macro register_raw_tables_for_build() -%}
    {%- if execute and env_var('FUNNEL_LAKE_DIR', '') | trim != '' and target.type != 'duckdb' -%}
        {%- do register_raw_tables() -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{% macro default__register_raw_tables(lake_dir) -%}
    {{ log("register_raw_tables: the loader writes the raw tables on " ~ target.type ~ "; nothing to register", info=true) }}
{%- endmacro %}

{% macro spark__register_raw_tables(lake_dir) -%}
    {%- set lake = (lake_dir or env_var('FUNNEL_LAKE_DIR', '')) | string | trim -%}
    {%- if lake == '' -%}
        {{ exceptions.raise_compiler_error("register_raw_tables: give lake_dir or set FUNNEL_LAKE_DIR (the folder holding raw/<table>/)") }}
    {%- endif -%}
    {#-
        With the metastore managing file-source partitions (Spark's default, and Databricks'), each new
        batch must be registered (msck repair: 2-4 s a table here). The local target turns that off
        (profiles.yml), and Spark then finds the batch folders when a query plans.
    -#}
    {%- set managed = run_query('set spark.sql.hive.manageFilesourcePartitions').rows[0][1] | string | lower -%}
    {%- set sources = graph.sources.values() | selectattr('schema', 'equalto', 'raw') | list -%}
    {%- for source_node in sources | map(attribute='schema') | unique %}
        {%- do run_query('create schema if not exists ' ~ source_node) -%}
    {%- endfor %}
    {%- for source_node in sources | sort(attribute='identifier') %}
        {%- set relation = source_node.schema ~ '.' ~ source_node.identifier -%}
        {%- set location = lake.rstrip('/') ~ '/' ~ source_node.schema ~ '/' ~ source_node.identifier -%}
        {%- set columns = [] -%}
        {%- for column in source_node.columns.values() -%}
            {%- do columns.append(column.name ~ ' ' ~ spark_type(column.data_type)) -%}
        {%- endfor -%}
        {#- The loader's lineage (funnel/warehouse.py LINEAGE_COLUMNS); _batch_id is the partition folder. -#}
        {%- do columns.extend(['_source_file string', '_source_line bigint', '_loaded_at timestamp', '_batch_id string']) -%}
        {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- do run_query(
            'create table ' ~ relation ~ ' (' ~ columns | join(', ') ~ ') using parquet'
            ~ ' partitioned by (_batch_id)'
            ~ " location '" ~ location | replace("\\", "\\\\") | replace("'", "\\'") ~ "'"
        ) -%}
        {%- if managed != 'false' -%}
            {%- do run_query('msck repair table ' ~ relation ~ ' sync partitions') -%}
        {%- endif -%}
    {%- endfor %}
    {{ log('registered ' ~ sources | length ~ ' raw tables over ' ~ lake ~ (' (partitions found at query time)' if managed == 'false' else ''), info=true) }}
{%- endmacro %}
