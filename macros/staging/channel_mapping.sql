{#-
    An attribute of the channel_mapping seed (channel, channel_group, default_initiative) for a
    source_channel left-joined to it: 'unknown' when the source gave no channel, 'unmapped' when
    the seed does not know the channel, so that a new channel is never silently bucketed.
    source_channel is the normalised channel expression (normalize_code), qualified; mapping is the
    name of the import CTE over ref('channel_mapping').
-#}
{% macro mapped_channel_attribute(source_channel, attribute, mapping='channel_mapping') -%}
    case
        when {{ source_channel }} is null then 'unknown'
        when {{ mapping }}.source_channel is null then 'unmapped'
        else {{ mapping }}.{{ attribute }}
    end
{%- endmacro %}
