-- Every value of a source-controlled classification that no seed row maps, where it appears and
-- how often: what a business adds to seeds/vocabularies/ so that it is reported as it should be.

{%- set columns = vocabulary_columns() %}

with

-- noqa: disable=LT02
-- (the joins come from macros: their rendered indent is theirs)
{% for model_name, vocabulary, column, source_system in columns %}
{{ model_name }}__{{ column }} as (
    select
        '{{ model_name }}' as model_name,
        '{{ vocabulary }}' as vocabulary,
        '{{ source_system }}' as source_system,
        source_values.source_value,
        source_values.row_count,
        source_values.first_batch_id,
        source_values.last_batch_id
    from (
        select
            {{ column }} as source_value,
            count(*) as row_count,
            min(source_batch_id) as first_batch_id,
            max(source_batch_id) as last_batch_id
        {%- if source_system in ('salesforce', 'hubspot', 'bitrix24') %}
        -- an adapter's values, from the union of its entity (planning the adapter's views anew costs more)
        from {{ ref('int_crm_' ~ model_name.split('__')[1] ~ '_unioned') }}
        where {{ vocabulary_key(column) }} is not null
            and source_system = '{{ source_system }}'
        {%- else %}
        from {{ ref(model_name) }}
        where {{ vocabulary_key(column) }} is not null
        {%- endif %}
        group by {{ column }}
    ) as source_values
    {%- if vocabulary == 'channel' %}
    {{ channel_join('source_values.source_value', 'mapping', source_system) }}
    where not {{ channel_is_mapped('mapping', source_system) }}
    {%- else %}
    {{ vocabulary_join(vocabulary, 'source_values.source_value', 'mapping', source_system) }}
    where not {{ vocabulary_is_mapped('source_values.source_value', 'mapping', source_system) }}
    {%- endif %}
),

{% endfor %}
-- noqa: enable=LT02
unmapped as (
    {% for model_name, vocabulary, column, source_system in columns %}
    select * from {{ model_name }}__{{ column }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        -- strings
        vocabulary,
        model_name,
        source_value,
        -- the seed rows' source system: `*` for the generic extract contract, else the CRM adapter's
        source_system,

        -- numerics
        row_count,

        -- lineage
        first_batch_id,
        last_batch_id
    from unmapped
)

select * from final
