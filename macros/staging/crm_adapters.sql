{#-
    Helpers of the CRM adapters' staging models (models/staging/salesforce, hubspot, bitrix24); see
    docs/crm-adapters.md. Every record id is namespaced by its source system, so that two CRMs in one
    warehouse never collide; the generic `crm/` extract keeps its ids as they are.
-#}

{#- `<prefix><value>` for a non-empty id, else null: `namespaced_id('hubspot:contact:', 'hs_object_id')`. -#}
{% macro namespaced_id(prefix, column) -%}
    case
        when nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '') is not null
            then {{ dbt.concat(["'" ~ prefix ~ "'", 'trim(cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ '))']) }}
    end
{%- endmacro %}

{#-
    A Salesforce id as `salesforce:<18 characters>`. Reports and URLs write the case-sensitive
    15-character form; the API writes 18 characters, the last three encoding which letters of each
    five-character block are upper case. Both spellings of one record become the same key.
-#}
{% macro salesforce_id(column) -%}
    {%- set id = 'trim(' ~ column ~ ')' -%}
    {%- set suffix = [] -%}
    {%- for block in range(3) -%}
        {%- set bits = [] -%}
        {%- for position in range(5) -%}
            {%- do bits.append(
                "case when substr(" ~ id ~ ", " ~ (block * 5 + position + 1) ~ ", 1) between 'A' and 'Z' then "
                ~ (2 ** position) ~ " else 0 end"
            ) -%}
        {%- endfor -%}
        {%- do suffix.append("substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 1 + " ~ (bits | join(' + ')) ~ ", 1)") -%}
    {%- endfor -%}
    case
        when {{ dbt.length(id) }} = 15 then {{ dbt.concat(["'salesforce:'", id] + suffix) }}
        when nullif({{ id }}, '') is not null then {{ dbt.concat(["'salesforce:'", id]) }}
    end
{%- endmacro %}

{#- The first id of a HubSpot association column (`51005`, `51005;51006`, `[51005, 51006]`). -#}
{% macro first_associated_id(column) -%}
    nullif({{ regexp_first(column, '[0-9]+') }}, '')
{%- endmacro %}

{#- The first match of a regular expression in a text, or null. -#}
{% macro regexp_first(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_first', 'sales_funnel')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_first(expression, pattern) -%}
    regexp_extract({{ expression }}, '({{ pattern | replace("\\", "\\\\") }})', 1)
{%- endmacro %}

{% macro duckdb__regexp_first(expression, pattern) -%}
    regexp_extract({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{#- A text value at a JSON path (`$.outcome__c`, `$[0].VALUE`) of a JSON text column, or null. -#}
{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'sales_funnel')(column, path)) }}
{%- endmacro %}

{% macro default__json_text(column, path) -%}
    get_json_object({{ column }}, '{{ path }}')
{%- endmacro %}

{% macro duckdb__json_text(column, path) -%}
    json_extract_string({{ column }}, '{{ path }}')
{%- endmacro %}

{#-
    A timestamp written either as epoch milliseconds (HubSpot's API) or as ISO-8601 text, as naive
    UTC; null when it is neither. For values the loader could not type, such as a JSON member.
-#}
{% macro epoch_ms_or_iso_timestamp(expression) -%}
    {{ return(adapter.dispatch('epoch_ms_or_iso_timestamp', 'sales_funnel')(expression)) }}
{%- endmacro %}

{% macro default__epoch_ms_or_iso_timestamp(expression) -%}
    case
        when {{ expression }} rlike '^[0-9]{10,16}$' then timestamp_millis(cast({{ expression }} as bigint))
        else to_utc_timestamp(try_cast({{ expression }} as timestamp), 'UTC')
    end
{%- endmacro %}

{% macro duckdb__epoch_ms_or_iso_timestamp(expression) -%}
    case
        when regexp_full_match({{ expression }}, '[0-9]{10,16}') then epoch_ms(cast({{ expression }} as bigint))
        else timezone('UTC', try_cast({{ expression }} as timestamptz))
    end
{%- endmacro %}

{#-
    The rows of a JSON object column as (key, value) pairs: `select * from ({{ json_entries(...) }})`
    gives `id_column`, `json_key` and `json_value` (text), one row per member whose value is not null.
-#}
{% macro json_entries(relation, id_column, json_column) -%}
    {{ return(adapter.dispatch('json_entries', 'sales_funnel')(relation, id_column, json_column)) }}
{%- endmacro %}

{% macro default__json_entries(relation, id_column, json_column) -%}
    select
        {{ id_column }},
        json_key,
        json_value
    from {{ relation }}
    lateral view explode(from_json({{ json_column }}, 'map<string,string>')) as json_key, json_value
    where json_value is not null
{%- endmacro %}

{% macro duckdb__json_entries(relation, id_column, json_column) -%}
    select
        entries.{{ id_column }},
        entries.json_key,
        json_extract_string(entries.{{ json_column }}, '$."' || entries.json_key || '"') as json_value
    from (
        select
            {{ id_column }},
            {{ json_column }},
            unnest(json_keys({{ json_column }})) as json_key
        from {{ relation }}
        where {{ json_column }} is not null
    ) as entries
    where json_extract_string(entries.{{ json_column }}, '$."' || entries.json_key || '"') is not null
{%- endmacro %}

{#-
    A lead's initiative and where it came from, as in every lead staging model: the lead's own
    (a value of the `initiative` vocabulary), else its channel's default, else its campaign's.
-#}
{% macro lead_initiative(stated, channel_default, campaign) -%}
    coalesce({{ stated }}, {{ channel_default }}, nullif({{ campaign }}, 'unmapped'))
{%- endmacro %}

{% macro lead_initiative_source(stated, channel_default, campaign) -%}
    case
        when {{ stated }} is not null then 'lead'
        when {{ channel_default }} is not null then 'channel_default'
        when nullif({{ campaign }}, 'unmapped') is not null then 'campaign'
        else 'unknown'
    end
{%- endmacro %}

{#-
    The value a mapping row is looked up by, for ids a portal creates (HubSpot dispositions and
    stages): the id itself when `value_mapping` maps it (after `vocabulary_join(..., alias, ...)`),
    else its label in the portal's own list when the export has one, else the id.
-#}
{% macro id_or_label(value, alias, label, source_system) -%}
    case
        when {{ vocabulary_is_mapped(value, alias, source_system) }} then {{ value }}
        else coalesce({{ label }}, {{ value }})
    end
{%- endmacro %}

{#-
    The value a Bitrix24 stage is looked up by (after `vocabulary_join` on the full id with alias
    `full_alias` and on the id without its pipeline prefix with `bare_alias`): the full id (`C1:NEW`)
    when a row maps it, else the id without its `C<n>:` prefix when a row maps that (a new pipeline
    with the default stages maps without new rows), else the full id, shown as unmapped.
-#}
{% macro bitrix24_stage_source(stage, full_alias, bare_alias) -%}
    case
        when {{ vocabulary_is_mapped(stage, full_alias, 'bitrix24') }} then {{ stage }}
        when {{ vocabulary_is_mapped(bitrix24_bare_stage(stage), bare_alias, 'bitrix24') }}
            then {{ bitrix24_bare_stage(stage) }}
        else {{ stage }}
    end
{%- endmacro %}

{#- A Bitrix24 stage id without the pipeline prefix `C<n>:` of a pipeline other than the default one. -#}
{% macro bitrix24_bare_stage(stage) -%}
    {{ replace_pattern(stage, '^C[0-9]+:', '') }}
{%- endmacro %}
