{#-
    An attribute of the channel_mapping seed (channel, channel_group) for the source_channel
    column of `relation`, left-joined to the seed: 'unknown' when the source gave no channel,
    'unmapped' when the seed does not know it, so that a new channel is never silently bucketed.
    `mapping` is the name of the import CTE over ref('channel_mapping').
-#}
{% macro mapped_channel_attribute(attribute, relation, mapping='channel_mapping') -%}
    case
        when {{ relation }}.source_channel is null then 'unknown'
        when {{ mapping }}.source_channel is null then 'unmapped'
        else {{ mapping }}.{{ attribute }}
    end
{%- endmacro %}
