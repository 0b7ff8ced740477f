{#-
    A share (a number in [0, 1]) from var `name`, `default` when unset. Vars are pasted into SQL as
    text, so anything else (a string, a boolean, a number outside [0, 1]) stops the compilation.
-#}
{% macro attraction_share_var(name, default) -%}
    {%- set value = var(name, default) -%}
    {%- if value is boolean or value is not number or value < 0 or value > 1 -%}
        {{ exceptions.raise_compiler_error(
            "var '" ~ name ~ "' must be a number between 0 and 1, got: " ~ value
        ) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
