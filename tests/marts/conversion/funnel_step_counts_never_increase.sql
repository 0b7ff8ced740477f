-- "Reached this step or beyond": along a funnel no step may have more leads than the one before it,
-- and per lead no step may be reached after an unreached step or earlier than the step before it.
-- Fails with one row per offending aggregate row or lead step.

with

funnel_conversion as (
    select * from {{ ref('funnel_conversion') }}
),

lead_funnel_steps as (
    select * from {{ ref('fct_lead_funnel_steps') }}
),

counts_that_increase as (
    select
        'funnel_conversion' as found_in,
        {{ dbt.concat([
            'cohort_grain', "' '", 'cast(cohort_start as ' ~ dbt.type_string() ~ ')', "' '",
            'funnel', "' '", 'segment_type', "' '", 'segment_value',
        ]) }} as row_key,
        step_order
    from funnel_conversion
    where reached_count > previous_step_reached_count
),

lead_steps_with_previous as (
    select
        lead_id,
        step_order,
        is_reached,
        reached_at,
        lag(is_reached) over (partition by lead_id order by step_order) as is_previous_reached,
        lag(reached_at) over (partition by lead_id order by step_order) as previous_reached_at
    from lead_funnel_steps
),

lead_steps_out_of_order as (
    select
        'fct_lead_funnel_steps' as found_in,
        lead_id as row_key,
        step_order
    from lead_steps_with_previous
    where (is_reached and not is_previous_reached)
        or reached_at < previous_reached_at
),

final as (
    select * from counts_that_increase
    union all
    select * from lead_steps_out_of_order
)

select * from final
