-- The stage history's current stay is the opportunity's current stage: a mismatch means the two
-- CRM extracts disagree (a late or lost history row), so current_stage_entered_at may be stale.
{{ config(severity='warn') }}

with

opportunity_stages as (
    select * from {{ ref('fct_opportunity_stages') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
)

select
    opportunities.opportunity_id,
    opportunities.stage,
    opportunity_stages.stage as history_current_stage
from opportunities
left join opportunity_stages
    on opportunities.opportunity_id = opportunity_stages.opportunity_id
    and opportunity_stages.is_current
where opportunity_stages.stage is null or opportunity_stages.stage != opportunities.stage
