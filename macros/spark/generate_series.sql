{#-
    dbt's generate_series on Spark: the numbers 1..upper_bound from Spark's range() table function.
    dbt's portable version cross-joins log2(n) one-row unions, which Spark plans slowly: the
    50-year MetricFlow time spine took 80-110 s that way on this project's 2-core machines.
-#}
{% macro spark__generate_series(upper_bound) -%}
    select id as generated_number from range(1, {{ upper_bound }} + 1)
{%- endmacro %}
