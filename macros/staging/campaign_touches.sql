{#-
    The touch models' shared end (stg_crm__campaign_members and each CRM adapter's
    stg_<system>__campaign_members): the touches of `touches` (lead_id, campaign_id,
    source_touch_type as written, touched_at, updated_at, source_batch_id) with the touch type
    mapped through `value_mapping` (vocabulary `touch_type`; rows of `source_system` win over `*`)
    and whether it earns credit (the `touch_types` seed). A spelling no row maps is `unmapped`,
    counted in diagnostics.unmapped_values, and still earns credit: the source recorded a touch.
    `source_system` is a column only for an adapter (the generic extract has none).
-#}
{% macro campaign_touches(touches, source_system='*') -%}
    {%- set touch_type = vocabulary_value('touch_type', touches ~ '.source_touch_type', 'touch_type_map', source_system) -%}
    select
        -- ids
        {{ touches }}.lead_id,
        {{ touches }}.campaign_id,

        -- strings
        {%- if source_system != '*' %}
        '{{ source_system }}' as source_system,
        {%- endif %}
        {{ touches }}.source_touch_type,
        {{ touch_type }} as touch_type,

        -- booleans
        {{ vocabulary_is_mapped(touches ~ '.source_touch_type', 'touch_type_map', source_system) }}
            as is_touch_type_mapped,
        -- a touch the vocabulary does not know still counts: the source recorded it as a touch
        coalesce(touch_types.is_attributable, true) as is_attributable,

        -- timestamps
        {{ touches }}.touched_at,
        {{ touches }}.updated_at,

        -- lineage
        {{ touches }}.source_batch_id
    from {{ touches }}
    {{ vocabulary_join('touch_type', touches ~ '.source_touch_type', 'touch_type_map', source_system) }}
    left join {{ ref('touch_types') }} as touch_types
        on {{ touch_type }} = touch_types.touch_type
{%- endmacro %}
