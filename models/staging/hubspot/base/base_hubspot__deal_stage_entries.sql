-- One row per stage a deal entered, from its date-entered properties: `hs_v2_date_entered_<stage>`
-- (else the older `hs_date_entered_<stage>`) holds when the deal last entered that stage, so a
-- re-entry replaces the earlier one. A deal with none of them has its stage at its creation.
-- The stage is the id, or its label in the portal's pipelines when no seed row names the id.

with

deals as (
    select * from {{ ref('base_hubspot__deals') }}
),

pipeline_stages as (
    select * from {{ source('hubspot', 'deal_pipeline_stages') }}
),

stage_labels as (
    {{ deduplicate_to_latest('pipeline_stages', ['trim(stage_id)']) }}
),

current_entries as (
    select
        opportunity_id,
        substr(json_key, {{ ('hs_v2_date_entered_' | length) + 1 }}) as stage_id,
        {{ epoch_ms_or_iso_timestamp('json_value') }} as entered_at,
        1 as property_rank
    from ({{ json_entries('deals', 'opportunity_id', 'date_entered_stages') }}) as entries
),

legacy_entries as (
    select
        opportunity_id,
        substr(json_key, {{ ('hs_date_entered_' | length) + 1 }}) as stage_id,
        {{ epoch_ms_or_iso_timestamp('json_value') }} as entered_at,
        2 as property_rank
    from ({{ json_entries('deals', 'opportunity_id', 'date_entered_stages_legacy') }}) as entries
),

property_entries as (
    select * from current_entries
    union all
    select * from legacy_entries
),

-- the `hs_v2_` property wins where both name a stage
entries_ranked as (
    select
        *,
        row_number() over (partition by opportunity_id, stage_id order by property_rank) as stage_rank
    from property_entries
    where entered_at is not null
),

deals_with_entries as (
    select distinct opportunity_id from entries_ranked
),

deals_without_entries as (
    select
        deals.opportunity_id,
        deals.stage_id,
        deals.created_at as entered_at
    from deals
    left join deals_with_entries as with_entries
        on deals.opportunity_id = with_entries.opportunity_id
    where with_entries.opportunity_id is null
        and deals.stage_id is not null
),

entries as (
    select
        opportunity_id,
        stage_id,
        entered_at
    from entries_ranked
    where stage_rank = 1
    union all
    select * from deals_without_entries
),

final as (
    select
        -- ids
        entries.opportunity_id,

        -- strings
        entries.stage_id,
        {{ id_or_label('entries.stage_id', 'by_id', clean_text('stage_labels.label'), 'hubspot') }} as source_stage,

        -- timestamps
        entries.entered_at,

        -- lineage
        deals.source_batch_id
    from entries
    inner join deals
        on entries.opportunity_id = deals.opportunity_id
    left join stage_labels
        on entries.stage_id = trim(stage_labels.stage_id)
    {{ vocabulary_join('opportunity_stage', 'entries.stage_id', 'by_id', 'hubspot') }}
)

select * from final
