{#- Checked thresholds of the diagnostics marts: vars are pasted into SQL as text. -#}

{#-
    The number in var `name` (`default` when unset), checked to lie in [min_value, max_value]
    (`none` = unbounded); a string, a boolean or a number out of range stops the compilation.
-#}
{% macro diagnostics_number_var(name, default, min_value=none, max_value=none) -%}
    {%- set value = var(name, default) -%}
    {%- if value is boolean or value is not number
        or (min_value is not none and value < min_value)
        or (max_value is not none and value > max_value) -%}
        {{ exceptions.raise_compiler_error(
            "var '" ~ name ~ "' must be a number"
            ~ (" from " ~ min_value if min_value is not none else "")
            ~ (" up to " ~ max_value if max_value is not none else "")
            ~ ", got: " ~ value
        ) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The minimum sample of a diagnostic rule: var `diagnostics_min_sample` (default 30), a whole number >= 1. -#}
{% macro diagnostics_min_sample() -%}
    {%- set value = var('diagnostics_min_sample', 30) -%}
    {%- if value is boolean or value is not number or value != (value | int) or value < 1 -%}
        {{ exceptions.raise_compiler_error(
            "var 'diagnostics_min_sample' must be a whole number of at least 1, got: " ~ value
        ) }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}

{#- A threshold as plain text for descriptions: 3, 0.2, 0.15 (no trailing zeros). -#}
{% macro diagnostics_format_number(value) -%}
    {{ return('%g' | format(value)) }}
{%- endmacro %}
