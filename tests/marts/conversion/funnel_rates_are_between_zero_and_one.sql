-- Every rate and share of the conversion funnel marts is a fraction in [0, 1] (or null when its
-- denominator is 0). Fails with one row per offending value.

{%- set rate_columns = {
    'funnel_conversion': [
        'step_conversion_rate', 'overall_conversion_rate', 'lead_conversion_rate', 'junk_dial_share',
    ],
    'speed_to_lead': ['response_rate'],
} %}

with

{% for model_name in rate_columns -%}
{{ model_name }} as (
    select * from {{ ref(model_name) }}
),

{% endfor -%}

rates_out_of_range as (
    {%- for model_name, columns in rate_columns.items() %}
    {%- set outer_loop = loop %}
    {%- for column in columns %}
    select
        '{{ model_name }}' as model_name,
        '{{ column }}' as column_name,
        {{ column }} as rate
    from {{ model_name }}
    where {{ column }} < 0 or {{ column }} > 1
    {%- if not (outer_loop.last and loop.last) %}

    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}
),

final as (
    select * from rates_out_of_range
)

select * from final
