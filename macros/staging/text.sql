{#- Small text clean-ups shared by the staging models; each returns a SQL expression. -#}

{#- Free text: trimmed, null when empty. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- A code value as the systems mean it: trimmed, lower case, null when empty. -#}
{% macro normalize_code(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{#- An ISO-4217 currency code: trimmed, upper case, null when empty. -#}
{% macro normalize_currency_code(column) -%}
    nullif(upper(trim({{ column }})), '')
{%- endmacro %}

{#-
    Replaces every match of a regular expression. Write the pattern as the regex engine should
    see it; each implementation quotes it for its engine's string literals.
-#}
{% macro replace_pattern(expression, pattern, replacement) -%}
    {%- set implementation = adapter.dispatch('replace_pattern', 'sales_funnel') -%}
    {{ return(implementation(expression, pattern, replacement)) }}
{%- endmacro %}

{#- Spark and Snowflake replace every match and read backslashes in literals as escapes. -#}
{% macro default__replace_pattern(expression, pattern, replacement) -%}
    {%- set quoted_pattern = pattern | replace("\\", "\\\\") | replace("'", "\\'") -%}
    regexp_replace({{ expression }}, '{{ quoted_pattern }}', '{{ replacement }}')
{%- endmacro %}

{#- DuckDB replaces only the first match unless told 'g'; its literals keep backslashes as is. -#}
{% macro duckdb__replace_pattern(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern | replace("'", "''") }}', '{{ replacement }}', 'g')
{%- endmacro %}
