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
    Every row of `relation` once per cohort (`week`, `month` of the lead's creation) and per segment of
    the conversion marts (funnel_conversion, speed_to_lead): see rows_by_period_and_segment.
-#}
{% macro conversion_rows_by_cohort_and_segment(relation) -%}
    {{ rows_by_period_and_segment(
        relation,
        periods={'week': 'cohort_week', 'month': 'cohort_month'},
        segments=['overall', 'channel', 'campaign', 'team', 'owner', 'temperature'],
    ) }}
{%- endmacro %}
