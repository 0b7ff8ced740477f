{#-
    The generic CRM extract's staging model of one entity and each CRM adapter's, unioned on the
    shared columns, with `source_system` (`crm` for the generic extract, else the adapter's system):
    what an intermediate `int_crm_<entity>_unioned` model selects. The ids of the adapters are
    namespaced by their system already, so the union never merges two systems' records.
-#}
{% macro union_crm_sources(entity, columns, systems=('crm', 'salesforce', 'hubspot', 'bitrix24')) -%}
    {%- for system in systems %}
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        {{ "'crm'" if system == 'crm' else 'source_system' }} as source_system
    from {{ ref('stg_' ~ system ~ '__' ~ entity) }}
    {%- if not loop.last %}

    union all
    {% endif -%}
    {%- endfor %}
{%- endmacro %}
