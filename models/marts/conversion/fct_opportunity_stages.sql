with

stage_history as (
    select * from {{ ref('int_crm_opportunity_stage_history_unioned') }}
),

opportunity_stages as (
    select * from {{ ref('opportunity_stages') }}
),

-- the extract's row order means nothing: entries are ordered by time; on a tie (same second) by
-- the stage's place in the pipeline, then by name, so the order is always the same
stage_entries_ordered as (
    select
        stage_history.opportunity_id,
        stage_history.stage,
        opportunity_stages.stage_order,
        stage_history.entered_at,
        lag(stage_history.stage) over (
            partition by stage_history.opportunity_id
            order by stage_history.entered_at, opportunity_stages.stage_order, stage_history.stage
        ) as previous_stage
    from stage_history
    left join opportunity_stages
        on stage_history.stage = opportunity_stages.stage
),

-- an entry into the stage the opportunity is already in (a re-save) continues that stay
stage_stays as (
    select
        opportunity_id,
        stage,
        stage_order,
        entered_at
    from stage_entries_ordered
    where previous_stage is null or previous_stage != stage
),

stage_stays_sequenced as (
    select
        opportunity_id,
        stage,
        stage_order,
        entered_at,
        row_number() over (
            partition by opportunity_id
            order by entered_at, stage_order, stage
        ) as stage_entry_number,
        row_number() over (
            partition by opportunity_id, stage
            order by entered_at
        ) as stage_visit_number,
        lead(entered_at) over (
            partition by opportunity_id
            order by entered_at, stage_order, stage
        ) as exited_at
    from stage_stays
),

final as (
    select
        -- ids
        opportunity_id,

        -- strings
        stage,

        -- numerics
        cast(stage_entry_number as integer) as stage_entry_number,
        cast(stage_visit_number as integer) as stage_visit_number,
        cast(stage_order as integer) as stage_order,
        -- elapsed days, fractional: stages last hours to days, calendar days would round them away
        case
            when exited_at is not null
                then cast({{ dbt.datediff('entered_at', 'exited_at', 'second') }} as double) / 86400  -- noqa: LT05
        end as duration_days,

        -- booleans
        exited_at is null as is_current,

        -- timestamps
        entered_at,
        exited_at
    from stage_stays_sequenced
)

select * from final
