{#- A threshold as plain text for descriptions: 3, 0.2, 0.15 (no trailing zeros). -#}
{% macro diagnostics_format_number(value) -%}
    {{ return('%g' | format(value)) }}
{%- endmacro %}
