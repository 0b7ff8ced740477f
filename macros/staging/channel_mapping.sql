{#-
    The channel vocabulary: seed `channel_mapping` (source_system, source_channel, channel,
    channel_group, default_initiative) maps the free-text channel or lead source of a source system
    to the conformed channel, its group and the initiative a lead from it has by default. Matching
    is that of every vocabulary (see macros/vocabularies/vocabulary.sql): case and spacing ignored,
    a row for the record's own source system before a row for any (`*`).

    `{{ channel_join('leads.source_channel') }}` after the from clause, then
    `{{ channel_attribute('channel', 'leads.source_channel') }}` in the select list: `unknown` when
    the source gave no channel, `unmapped` when the seed does not know it, never a guessed bucket.
-#}
{% macro channel_join(value, alias='channel_mapping', source_system='*') -%}
    {%- set systems = [('any', '*')] + ([('own', source_system)] if source_system != '*' else []) -%}
    {%- for suffix, system in systems %}
    left join {{ ref('channel_mapping') }} as {{ alias }}_{{ suffix }}
        on {{ alias }}_{{ suffix }}.source_system = '{{ system }}'
        and {{ vocabulary_key(alias ~ '_' ~ suffix ~ '.source_channel') }} = {{ vocabulary_key(value) }}
    {%- endfor %}
{%- endmacro %}

{#- An attribute of the matched row (its own system's row first); null when there is none. -#}
{% macro channel_row_attribute(attribute, alias='channel_mapping', source_system='*') -%}
    {%- if source_system != '*' -%}
        case
            when {{ alias }}_own.source_channel is not null then {{ alias }}_own.{{ attribute }}
            else {{ alias }}_any.{{ attribute }}
        end
    {%- else -%}
        {{ alias }}_any.{{ attribute }}
    {%- endif -%}
{%- endmacro %}

{#- True when the channel has a row in the seed. -#}
{% macro channel_is_mapped(alias='channel_mapping', source_system='*') -%}
    ({{ channel_row_attribute('source_channel', alias, source_system) }} is not null)
{%- endmacro %}

{#- channel or channel_group: `unknown` without a channel, `unmapped` when the seed does not know it. -#}
{% macro channel_attribute(attribute, value, alias='channel_mapping', source_system='*') -%}
    case
        when {{ vocabulary_key(value) }} is null then 'unknown'
        when not {{ channel_is_mapped(alias, source_system) }} then 'unmapped'
        else {{ channel_row_attribute(attribute, alias, source_system) }}
    end
{%- endmacro %}
