{#-
    A business setting, read with `var(name)`: its default lives in dbt_project.yml and nowhere
    else, and `funnel` passes every resolved value as --vars after checking its range
    (funnel/settings.py). dbt pastes vars into SQL as text, so this checks the kind of value once
    more, for anyone who runs dbt by hand, and returns it ready for SQL:

    - number, integer: a number (a boolean or a string stops the compilation);
    - date: a SQL date literal `cast('YYYY-MM-DD' as date)`, or none when the setting is empty;
    - zone: an IANA time zone name such as Europe/Budapest;
    - code: letters and digits only (a currency, a country code);
    - field: the API name of a field in a source system (letters, digits, underscores), or none
      when the setting is empty.
-#}
{% macro setting(name, kind) -%}
    {%- set value = var(name) -%}
    {%- set text = value | string | trim -%}
    {%- set bad = false -%}
    {%- if kind in ('number', 'integer') -%}
        {%- if value is boolean or value is not number or (kind == 'integer' and value != (value | int)) -%}
            {%- set bad = true -%}
        {%- endif -%}
    {%- elif kind == 'date' -%}
        {%- if value is none or text == '' -%}
            {{ return(none) }}
        {%- elif not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) -%}
            {%- set bad = true -%}
        {%- endif -%}
    {%- elif kind == 'zone' -%}
        {%- set bad = not modules.re.fullmatch('[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*', text) -%}
    {%- elif kind == 'code' -%}
        {%- set bad = not modules.re.fullmatch('[A-Za-z0-9]+', text) -%}
    {%- elif kind == 'field' -%}
        {%- if value is none or text == '' -%}
            {{ return(none) }}
        {%- endif -%}
        {%- set bad = not modules.re.fullmatch('[A-Za-z][A-Za-z0-9_]*', text) -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("setting " ~ name ~ ": unknown kind '" ~ kind ~ "'") }}
    {%- endif -%}
    {%- if bad -%}
        {{ exceptions.raise_compiler_error(
            "setting " ~ name ~ " must be " ~ {
                'number': 'a number', 'integer': 'a whole number', 'date': 'a date YYYY-MM-DD',
                'zone': 'an IANA time zone name', 'code': 'letters and digits only',
                'field': 'a field name of letters, digits and underscores'
            }[kind] ~ ", got: " ~ text
        ) }}
    {%- endif -%}
    {%- if kind == 'date' -%}
        {%- set parsed = modules.datetime.datetime.strptime(text, '%Y-%m-%d') -%}
        {{ return("cast('" ~ parsed.strftime('%Y-%m-%d') ~ "' as date)") }}
    {%- elif kind == 'integer' -%}
        {{ return(value | int) }}
    {%- elif kind in ('code', 'field') -%}
        {{ return(text) }}
    {%- endif -%}
    {{ return(value if kind == 'number' else text) }}
{%- endmacro %}
