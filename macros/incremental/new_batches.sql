{#-
    Incremental builds follow the batches that arrived, not the clock.

    Before dbt runs, the pipeline writes the batches loaded since the last successful build into
    `ops.build_batches` (funnel/changes.py). An incremental model reprocesses only the records those
    batches touch: for each key they deliver, every version of it is read again from raw and the
    latest wins, exactly as a full build decides, and the model's rows for those keys are replaced
    (delete+insert on the key). A re-delivered batch, another project or other settings make the
    pipeline build in full instead (--full-refresh), so that incremental and full builds always agree.
-#}

{#- The relation listing the batches of this build. -#}
{% macro build_batches_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema='ops', identifier='build_batches')) }}
{%- endmacro %}

{#- A condition: `column` (a batch id) is one of the batches of this build. -#}
{% macro is_build_batch(column) -%}
    {{ column }} in (select batch_id from {{ build_batches_relation() }})
{%- endmacro %}

{#-
    The rows of raw `relation` to rebuild from: all of them in a full build; in an incremental build,
    every version of each key that a batch of this build delivered (the latest version may come from
    any batch, or even be an older delivery). `key_columns` are columns or SQL expressions.
-#}
{% macro versions_to_rebuild(relation, key_columns) -%}
    {%- if is_incremental() -%}
        {%- set keys = key_columns | join(', ') -%}
    (
        select *
        from {{ relation }}
        where ({{ keys }}) in (
            select {{ keys }}
            from {{ relation }}
            where {{ is_build_batch('_batch_id') }}
        )
    ) as versions
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#-
    The materialization of a model rebuilt by key: incremental (delete+insert on the key) where the
    engine can replace rows by key, a table rebuilt in full where it cannot. Spark's Parquet tables
    have no delete (merge and delete need Delta or Iceberg); insert_overwrite replaces partitions, and
    no partition column holds each key's rows for good (a key's latest version moves between batches).
    At the sizes measured here a full rebuild also costs Spark less than an incremental run (docs/spark.md).
-#}
{% macro by_key_materialization() -%}
    {{ return(adapter.dispatch('by_key_materialization', 'sales_funnel')()) }}
{%- endmacro %}

{% macro default__by_key_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__by_key_materialization() -%}
    {{ return('table') }}
{%- endmacro %}
