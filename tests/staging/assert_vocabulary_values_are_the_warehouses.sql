-- A mapping row must lead to a value the warehouse knows: a stage of the opportunity_stages seed,
-- an outcome of activity_outcomes, and for the other closed vocabularies one of the values the
-- generic contract maps to itself (basis `warehouse`). A typo here would be a silent new bucket.

{%- set closed = [] %}
{%- for name, spec in vocabularies().items() if spec.closed %}
{%- do closed.append("'" ~ name ~ "'") %}
{%- endfor %}

with

value_mapping as (
    select * from {{ ref('value_mapping') }}
),

opportunity_stages as (
    select * from {{ ref('opportunity_stages') }}
),

activity_outcomes as (
    select * from {{ ref('activity_outcomes') }}
),

known_values as (
    select
        vocabulary,
        warehouse_value
    from value_mapping
    where basis = 'warehouse'
        and vocabulary not in ('opportunity_stage', 'activity_outcome')

    union all

    select
        'opportunity_stage' as vocabulary,
        stage as warehouse_value
    from opportunity_stages

    union all

    select
        'activity_outcome' as vocabulary,
        outcome as warehouse_value
    from activity_outcomes
),

final as (
    select
        value_mapping.vocabulary,
        value_mapping.source_system,
        value_mapping.source_value,
        value_mapping.warehouse_value
    from value_mapping
    left join known_values
        on value_mapping.vocabulary = known_values.vocabulary
        and value_mapping.warehouse_value = known_values.warehouse_value
    where known_values.warehouse_value is null
        and value_mapping.vocabulary in ({{ closed | join(', ') }})
)

select * from final
