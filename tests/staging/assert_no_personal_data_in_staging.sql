-- Names, e-mails and phones leave staging only as hashes: no staging model that reads personal data
-- may output a raw personal column.

-- noqa: disable=LT02
{%- set models_with_personal_data = ['stg_crm__users', 'stg_crm__leads', 'stg_pos__customers'] %}
{%- set personal_columns = ['full_name', 'contact_name', 'email', 'phone'] %}
{%- set found = [] %}
{%- for model_name in models_with_personal_data %}
    {%- set relation = ref(model_name) %}
    {%- if execute %}
        {%- for column in adapter.get_columns_in_relation(relation) %}
            {%- if column.name | lower in personal_columns %}
                {%- do found.append((model_name, column.name)) %}
            {%- endif %}
        {%- endfor %}
    {%- endif %}
{%- endfor %}
-- noqa: enable=LT02

{% if found -%}
{%- for model_name, column_name in found %}
select
    '{{ model_name }}' as model_name,
    '{{ column_name }}' as column_name
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- else -%}
select
    'none' as model_name,
    'none' as column_name
where 1 = 0
{%- endif %}
