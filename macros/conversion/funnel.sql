{#- Helpers of the conversion funnel marts (seed `funnel_steps`). -#}

{#- The conversion window in days: the setting `conversion_window_days`. -#}
{% macro conversion_window_days() -%}
    {{ return(setting('conversion_window_days', 'integer')) }}
{%- endmacro %}

{#-
    True when an activity matches an `activity` row of the funnel_steps seed: each of the row's
    activity_type, direction and outcome is empty (any) or equal to the activity's. Empty is null
    in the loaded seed but '' when a unit test reads the seed file, so both mean any.
-#}
{% macro funnel_activity_matches_step(step, activity) -%}
    (
        {{ step }}.event_source = 'activity'
        {%- for column in ['activity_type', 'direction', 'outcome'] %}
        and (
            nullif({{ step }}.{{ column }}, '') is null
            or {{ step }}.{{ column }} = {{ activity }}.{{ column }}
        )
        {%- endfor %}
    )
{%- endmacro %}

{#- Hours from `first` to `second` (second minus first), to the second, as a double. -#}
{% macro hours_between(first, second) -%}
    (cast({{ dbt.datediff(first, second, 'second') }} as double) / 3600)
{%- endmacro %}

{#- Minutes from `first` to `second` (second minus first), to the second, as a double. -#}
{% macro minutes_between(first, second) -%}
    (cast({{ dbt.datediff(first, second, 'second') }} as double) / 60)
{%- endmacro %}

{#-
    Every row of `relation` once per cohort grain (week, month) and once per segment (overall,
    channel, campaign, team, owner, temperature), as a union all: the relation's columns plus
    cohort_grain, cohort_start, segment_type, segment_value and segment_label. `relation` needs
    cohort_week, cohort_month, channel, campaign_id, campaign_name, team_name, owner_user_id and
    lead_temperature. Portable (no grouping sets, no lateral unnest).
-#}
{% macro unpivot_cohorts_and_segments(relation) -%}
    {%- set cohort_grains = [('week', 'cohort_week'), ('month', 'cohort_month')] -%}
    {%- set segments = [
        ('overall', "'all'", "'all'"),
        ('channel', "coalesce(channel, 'unknown')", "coalesce(channel, 'unknown')"),
        ('campaign', "coalesce(campaign_id, 'unknown')", "coalesce(campaign_name, 'unknown')"),
        ('team', "coalesce(team_name, 'unassigned')", "coalesce(team_name, 'unassigned')"),
        ('owner', "coalesce(owner_user_id, 'unassigned')", "coalesce(owner_user_id, 'unassigned')"),
        ('temperature', "coalesce(lead_temperature, 'unknown')", "coalesce(lead_temperature, 'unknown')"),
    ] -%}
    {%- for grain, cohort_column in cohort_grains -%}
        {%- set outer_loop = loop -%}
        {%- for segment_type, value_expression, label_expression in segments %}
    select
        {{ relation }}.*,
        '{{ grain }}' as cohort_grain,
        {{ cohort_column }} as cohort_start,
        '{{ segment_type }}' as segment_type,
        {{ value_expression }} as segment_value,
        {{ label_expression }} as segment_label
    from {{ relation }}
            {%- if not (outer_loop.last and loop.last) %}

    union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
{%- endmacro %}
