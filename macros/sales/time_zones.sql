{#- The warehouse's business time zone: the setting `warehouse_timezone`. -#}
{% macro warehouse_timezone() -%}
    {{ return(setting('warehouse_timezone', 'zone')) }}
{%- endmacro %}

{#-
    A UTC timestamp (without time zone) as the wall-clock timestamp of `time_zone` (default: the
    warehouse's), daylight saving aware.
-#}
{% macro utc_to_local_timestamp(utc_timestamp, time_zone=none) -%}
    {{ return(adapter.dispatch('utc_to_local_timestamp', 'sales_funnel')(
        utc_timestamp, time_zone if time_zone is not none else warehouse_timezone()
    )) }}
{%- endmacro %}

{#- Spark (and Databricks): the built-in does exactly this. -#}
{% macro default__utc_to_local_timestamp(utc_timestamp, time_zone) -%}
    from_utc_timestamp({{ utc_timestamp }}, '{{ time_zone }}')
{%- endmacro %}

{#-
    DuckDB (icu): read the naive timestamp as UTC, then take its wall clock in the zone; the
    result does not depend on the session TimeZone.
-#}
{% macro duckdb__utc_to_local_timestamp(utc_timestamp, time_zone) -%}
    timezone('{{ time_zone }}', {{ utc_timestamp }} at time zone 'UTC')
{%- endmacro %}
