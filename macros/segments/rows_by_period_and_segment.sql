{#-
    The segments of the segmented marts, each with the one value it takes when its column is null:
    `unassigned` when nobody owns the row (team, owner), `unknown` when the source does not say
    (channel group, channel, campaign, temperature). segment type: (value column, label column, null default).
-#}
{% macro segment_types() -%}
    {{ return({
        'overall': none,
        'channel_group': ('channel_group', 'channel_group', 'unknown'),
        'channel': ('channel', 'channel', 'unknown'),
        'campaign': ('campaign_id', 'campaign_name', 'unknown'),
        'team': ('team_name', 'team_name', 'unassigned'),
        'owner': ('owner_user_id', 'owner_user_id', 'unassigned'),
        'temperature': ('lead_temperature', 'lead_temperature', 'unknown'),
    }) }}
{%- endmacro %}

{#-
    Every row of `relation` once per period grain and once per segment, as a portable union all (no
    grouping sets, no lateral unnest): its columns, then `period_grain` and `period_start_date` when
    `periods` ({grain: column holding the period's first day}) are given, then `segment_type`,
    `segment_value` and `segment_label` when `segments` (names of segment_types()) are given. Group
    by those columns to roll the rows up.
-#}
{% macro rows_by_period_and_segment(relation, periods={}, segments=[]) -%}
    {%- set known = segment_types() -%}
    {%- for segment in segments if segment not in known -%}
        {{ exceptions.raise_compiler_error(
            "unknown segment '" ~ segment ~ "'; known: " ~ (known.keys() | join(', '))
        ) }}
    {%- endfor -%}
    {%- if not periods and not segments -%}
        {{ exceptions.raise_compiler_error("rows_by_period_and_segment needs periods, segments or both") }}
    {%- endif -%}
    {%- set period_items = periods.items() | list if periods else [none] -%}
    {%- set segment_items = segments if segments else [none] -%}
    {%- for period in period_items -%}
        {%- set outer_loop = loop -%}
        {%- for segment in segment_items %}
    select
        {{ relation }}.*
        {%- if period %},
        '{{ period[0] }}' as period_grain,
        {{ relation }}.{{ period[1] }} as period_start_date
        {%- endif %}
        {%- if segment and known[segment] is none %},
        '{{ segment }}' as segment_type,
        'all' as segment_value,
        'all' as segment_label
        {%- elif segment %},
        '{{ segment }}' as segment_type,
        coalesce({{ relation }}.{{ known[segment][0] }}, '{{ known[segment][2] }}') as segment_value,
        coalesce({{ relation }}.{{ known[segment][1] }}, '{{ known[segment][2] }}') as segment_label
        {%- endif %}
    from {{ relation }}
            {%- if not (outer_loop.last and loop.last) %}

    union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
{%- endmacro %}
