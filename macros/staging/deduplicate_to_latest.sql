{#-
    Keeps the latest delivered version of each record of a raw relation.

    key_columns: the columns (or expressions) that identify one record.
    version_column: for changed-record extracts, the column whose latest value wins (updated_at);
        leave it out for append-only extracts, where the latest delivery wins.
    Ties go to the later batch (_batch_id sorts chronologically), then the later line in the file.
    The result keeps every column of the relation plus _version_rank, which is always 1.
-#}
{% macro deduplicate_to_latest(relation, key_columns, version_column=none) -%}
    {%- set order_by = [version_column ~ ' desc'] if version_column else [] -%}
    {%- set order_by = order_by + ['_batch_id desc', '_source_line desc'] -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ order_by | join(', ') }}
            ) as _version_rank
        from {{ relation }}
    ) as versions_ranked
    where _version_rank = 1
{%- endmacro %}
