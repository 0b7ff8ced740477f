{#-
    Makes the dbt sources (schema raw) readable on engines that read the raw batches as files.
    On DuckDB the loader writes the raw tables itself: nothing to do. On Spark each source becomes an
    external Parquet table over the lake that funnel/lake.py writes, partitioned by _batch_id, with
    the contract's column types from the sources YAML. Run it after each export and before a build:
    `dbt run-operation register_raw_tables --args '{lake_dir: /abs/path/lake}'` (default: env
    FUNNEL_LAKE_DIR). Dropping an external table leaves its files alone, so the tables are simply
    declared again each time and always follow the contract.
-#}
{% macro register_raw_tables(lake_dir=none) -%}
    {{ return(adapter.dispatch('register_raw_tables', 'sales_funnel')(lake_dir)) }}
{%- endmacro %}

{% macro default__register_raw_tables(lake_dir) -%}
    {{ log("register_raw_tables: the loader writes the raw tables on " ~ target.type ~ "; nothing to register", info=true) }}
{%- endmacro %}

{% macro spark__register_raw_tables(lake_dir) -%}
    {%- set lake = (lake_dir or env_var('FUNNEL_LAKE_DIR', '')) | string | trim -%}
    {%- if lake == '' -%}
        {{ exceptions.raise_compiler_error("register_raw_tables: give lake_dir or set FUNNEL_LAKE_DIR (the folder holding raw/<table>/)") }}
    {%- endif -%}
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
        {#- The partitions (batches) present now; later exports need this again. -#}
        {%- do run_query('msck repair table ' ~ relation ~ ' sync partitions') -%}
        {{ log('registered ' ~ relation ~ ' over ' ~ location, info=true) }}
    {%- endfor %}
{%- endmacro %}
