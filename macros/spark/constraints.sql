{#-
    Model contracts' constraints on Spark. dbt-spark applies them with ALTER TABLE, which only Delta
    tables accept; on Parquet tables (this project's Spark target) it fails the model. DuckDB enforces
    not_null as it writes, so that a null key fails the build: here the built table is checked instead,
    and the model fails with the offending count. Delta keeps dbt-spark's own behaviour.
-#}
{% macro spark__persist_constraints(relation, model) -%}
    {%- set contract_config = config.get('contract') -%}
    {%- if not contract_config.enforced -%}
        {{ return('') }}
    {%- endif -%}
    {%- if config.get('file_format', 'delta') == 'delta' -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
    {%- else -%}
        {%- do verify_constraints(relation, model) -%}
    {%- endif -%}
{%- endmacro %}

{#- Fails with a readable message when a not_null or check constraint does not hold in the built table. -#}
{% macro verify_constraints(relation, model) -%}
    {%- set conditions = [] -%}
    {%- for column_name, column in model.columns.items() -%}
        {%- set quoted = adapter.quote(column_name) if column.get('quote') else column_name -%}
        {%- for constraint in column.get('constraints', []) -%}
            {%- if constraint.type == 'not_null' -%}
                {%- do conditions.append((column_name ~ ' not_null', quoted ~ ' is null')) -%}
            {%- elif constraint.type == 'check' and constraint.expression -%}
                {%- do conditions.append((column_name ~ ' check', 'not (' ~ constraint.expression ~ ')')) -%}
            {%- else -%}
                {%- do exceptions.warn(model.name ~ '.' ~ column_name ~ ': ' ~ constraint.type ~ ' constraints are not checked on ' ~ config.get('file_format') ~ ' tables') -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for constraint in model.get('constraints', []) -%}
        {%- if constraint.type == 'check' and constraint.expression -%}
            {%- do conditions.append(('check ' ~ (constraint.name or constraint.expression), 'not (' ~ constraint.expression ~ ')')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if conditions | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set counts -%}
        select
        {%- for name, condition in conditions %}
            sum(case when {{ condition }} then 1 else 0 end) as violation_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
        from {{ relation }}
    {%- endset -%}
    {%- set row = run_query(counts).rows[0] -%}
    {%- set broken = [] -%}
    {%- for name, condition in conditions -%}
        {%- if (row[loop.index0] or 0) > 0 -%}
            {%- do broken.append(name ~ ' (' ~ row[loop.index0] ~ ' rows)') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if broken -%}
        {{ exceptions.raise_compiler_error('contract constraints of ' ~ relation ~ ' do not hold: ' ~ broken | join(', ')) }}
    {%- endif -%}
{%- endmacro %}
