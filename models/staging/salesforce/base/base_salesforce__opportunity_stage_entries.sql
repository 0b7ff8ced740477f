-- One row per stage an opportunity entered (opportunity, stage as written, time), from
-- OpportunityHistory (a row is an entry when its stage differs from the previous row's) and
-- OpportunityFieldHistory (`StageName` changes, the first stage at the `created` row); either file
-- may be absent. An opportunity found in neither has its current stage at its creation.

with

history as (
    select * from {{ source('salesforce', 'OpportunityHistory') }}
),

field_history as (
    select * from {{ source('salesforce', 'OpportunityFieldHistory') }}
),

opportunities as (
    select * from {{ ref('base_salesforce__opportunities') }}
),

history_latest as (
    {{ deduplicate_to_latest('history', ['id']) }}
),

history_rows as (
    select
        {{ salesforce_id('opportunityid') }} as opportunity_id,
        {{ clean_text('stagename') }} as source_stage,
        createddate as entered_at,
        id as history_row_id,
        _batch_id as source_batch_id
    from history_latest
    where not coalesce(isdeleted, false)
),

-- rows that change only the amount, probability or close date are not stage entries
history_entries as (
    select
        opportunity_id,
        source_stage,
        entered_at,
        source_batch_id
    from (
        select
            *,
            lag(source_stage) over (
                partition by opportunity_id
                order by entered_at, history_row_id
            ) as previous_stage
        from history_rows
    ) as history_ordered
    where previous_stage is null
        or {{ vocabulary_key('previous_stage') }} != {{ vocabulary_key('source_stage') }}
),

field_history_latest as (
    {{ deduplicate_to_latest('field_history', ['id']) }}
),

field_history_rows as (
    select
        {{ salesforce_id('opportunityid') }} as opportunity_id,
        lower(trim(field)) as field_name,
        {{ clean_text('oldvalue') }} as old_value,
        {{ clean_text('newvalue') }} as new_value,
        createddate as changed_at,
        id as history_row_id,
        _batch_id as source_batch_id
    from field_history_latest
    where not coalesce(isdeleted, false)
),

field_history_changes as (
    select
        opportunity_id,
        new_value as source_stage,
        changed_at as entered_at,
        source_batch_id
    from field_history_rows
    where field_name = 'stagename'
),

-- the first stage: the old value of the first StageName change, at the `created` row's time
first_stage_changes as (
    select *
    from (
        select
            *,
            row_number() over (partition by opportunity_id order by changed_at, history_row_id) as change_rank
        from field_history_rows
        where field_name = 'stagename'
    ) as ranked
    where change_rank = 1
),

created_rows as (
    select
        opportunity_id,
        min(changed_at) as created_at
    from field_history_rows
    where field_name = 'created'
    group by opportunity_id
),

field_history_first_stages as (
    select
        coalesce(created_rows.opportunity_id, first_stage_changes.opportunity_id) as opportunity_id,
        coalesce(first_stage_changes.old_value, opportunities.source_stage) as source_stage,
        coalesce(created_rows.created_at, opportunities.created_at) as entered_at,
        coalesce(first_stage_changes.source_batch_id, opportunities.source_batch_id) as source_batch_id
    from created_rows
    full outer join first_stage_changes
        on created_rows.opportunity_id = first_stage_changes.opportunity_id
    left join opportunities
        on coalesce(created_rows.opportunity_id, first_stage_changes.opportunity_id) = opportunities.opportunity_id
),

entries_from_files as (
    select * from history_entries
    union all
    select * from field_history_changes
    union all
    select * from field_history_first_stages
),

opportunities_with_history as (
    select distinct opportunity_id from entries_from_files
),

opportunities_without_history as (
    select
        opportunities.opportunity_id,
        opportunities.source_stage,
        opportunities.created_at as entered_at,
        opportunities.source_batch_id
    from opportunities
    left join opportunities_with_history as with_history
        on opportunities.opportunity_id = with_history.opportunity_id
    where with_history.opportunity_id is null
),

entries as (
    select * from entries_from_files
    where source_stage is not null
    union all
    select * from opportunities_without_history
),

-- both files may tell the same entry: one row per opportunity, stage and time
entries_deduplicated as (
    select
        *,
        row_number() over (
            partition by opportunity_id, {{ vocabulary_key('source_stage') }}, entered_at
            order by source_batch_id desc
        ) as entry_rank
    from entries
),

-- the entries of a deleted (or never delivered) opportunity go with it
final as (
    select
        -- ids
        entries_deduplicated.opportunity_id,

        -- strings
        entries_deduplicated.source_stage,

        -- timestamps
        entries_deduplicated.entered_at,

        -- lineage
        entries_deduplicated.source_batch_id
    from entries_deduplicated
    inner join opportunities
        on entries_deduplicated.opportunity_id = opportunities.opportunity_id
    where entries_deduplicated.entry_rank = 1
)

select * from final
