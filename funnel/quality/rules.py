"""What the audits check, as data: the rules of the raw and mart suites.

Blocking (`critical`) is for what is structurally wrong or impossible: contract columns and types,
keys, references to records that do not exist, negative counts, timestamps in the future beyond a
tolerance or before the business started. What is only unusual (a large amount, a batch much
smaller than usual) is a `warning`. Values that a source system controls (a store format, a
payment method, a status) are never checked against a list here: staging maps them through seeds
and counts the unmapped ones (see the data-quality mart).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class Bound:
    """A column's values must lie in [low, high] (None = unbounded)."""

    entity: str
    column: str
    low: float | None
    high: float | None
    severity: str  # critical: impossible outside; warning: implausible outside


BOUNDS: tuple[Bound, ...] = (
    # impossible
    Bound("pos/store_traffic", "visitors", 0, None, "critical"),
    Bound("pos/store_traffic", "hour", 0, 23, "critical"),
    Bound("pos/receipt_lines", "line_number", 1, None, "critical"),
    Bound("pos/receipt_lines", "unit_price", 0, None, "critical"),
    Bound("pos/products", "list_price", 0, None, "critical"),
    Bound("crm/activities", "duration_seconds", 0, None, "critical"),
    Bound("marketing/fx_rates", "rate_to_reporting", 0.000000001, None, "critical"),
    # implausible: worth a look, not a reason to stop
    Bound("pos/store_traffic", "visitors", None, 100_000, "warning"),
    Bound("pos/receipts", "total_amount", -5_000_000, 5_000_000, "warning"),
    Bound("pos/receipt_lines", "quantity", -1_000, 1_000, "warning"),
    Bound("pos/receipt_lines", "unit_price", None, 5_000_000, "warning"),
    Bound("pos/receipt_lines", "discount_amount", -5_000_000, 5_000_000, "warning"),
    Bound("pos/receipt_lines", "line_amount", -5_000_000, 5_000_000, "warning"),
    Bound("pos/products", "list_price", None, 5_000_000, "warning"),
    Bound("crm/opportunities", "amount", 0, 1_000_000_000, "warning"),
    Bound("crm/activities", "duration_seconds", None, 86_400, "warning"),
    Bound("marketing/spend", "amount", 0, 100_000_000, "warning"),
    Bound("marketing/fx_rates", "rate_to_reporting", None, 1_000_000, "warning"),
)


@dataclass(frozen=True)
class Coverage:
    """At least `share` of the child's values in the audited batches exist in the parent (any batch)."""

    child: str
    child_key: str
    parent: str
    parent_key: str
    share: float


COVERAGE: tuple[Coverage, ...] = (
    Coverage("pos/receipts", "store_id", "pos/stores", "store_id", 0.99),
    Coverage("pos/receipt_lines", "receipt_id", "pos/receipts", "receipt_id", 0.99),
    Coverage("pos/store_traffic", "store_id", "pos/stores", "store_id", 0.99),
    Coverage("crm/activities", "lead_id", "crm/leads", "lead_id", 0.98),
    Coverage("crm/opportunities", "lead_id", "crm/leads", "lead_id", 0.98),
    Coverage("crm/opportunity_stage_history", "opportunity_id", "crm/opportunities", "opportunity_id", 0.98),
)

# Dates that may lie in the future because they are planned, not observed.
PLANNED_DATES = {("crm/campaigns", "started_on"), ("crm/campaigns", "ended_on")}

# Master data arrives in full once and then as small change sets: its volume is not compared.
VOLUME_CHECKED = {"crm/leads", "crm/activities", "crm/opportunities", "crm/opportunity_stage_history"}
VOLUME_LOW, VOLUME_HIGH, VOLUME_HISTORY = 0.2, 5.0, 8

# The CLV parameters the drift warning compares; alpha in days, so that a change of clv_time_unit is no drift.
CLV_PARAMETERS = {
    "r": "r",
    "alpha": "alpha * case time_unit when 'weeks' then 7 else 1 end",
    "a": "a",
    "b": "b",
    "p": "p",
    "q": "q",
    "gamma": "gamma",
}


class MartRule(NamedTuple):
    """A business rule of a mart, as SQL returning the offending rows ({batch} is the mart)."""

    description: str
    query: str
    severity: str = "critical"  # critical blocks publishing; warning is reported


def _clv_drift_query() -> str:
    """The parameters of the latest CLV fit that moved by more than its drift tolerance since the fit before.

    Unconverged models have null parameters and are never compared (funnel.clv.parameter_drift agrees).
    """
    estimates = " union all ".join(
        f"select fit_rank, drift_tolerance, '{name}' as parameter, {expression} as estimate from ranked"
        for name, expression in CLV_PARAMETERS.items()
    )
    return (
        "with ranked as (select *, row_number() over (order by fitted_at desc, run_id desc) as fit_rank "
        f"from {{batch}}), estimates as ({estimates}) "
        "select latest.parameter, previous.estimate as previous_estimate, latest.estimate, latest.drift_tolerance "
        "from estimates as latest inner join estimates as previous on latest.parameter = previous.parameter "
        "where latest.fit_rank = 1 and previous.fit_rank = 2 "
        "and (latest.estimate > previous.estimate * latest.drift_tolerance "
        "or latest.estimate < previous.estimate / latest.drift_tolerance)"
    )


# Business rules of specific marts that dbt's tests do not state.
MART_RULES: dict[str, list[MartRule]] = {
    "conversion.funnel_conversion": [
        MartRule(
            "funnel counts never increase from one step to the next",
            "select * from {batch} where reached_count > previous_step_reached_count",
        ),
    ],
    "retention.cohort_retention": [
        MartRule(
            "cohort month 0 retention is 100%",
            "select * from {batch} where month_number = 0 and retention_rate <> 1",
        ),
    ],
    "conversion.store_conversion_daily": [
        MartRule(
            "net revenue in the mart reconciles with the staged receipts (to the cent)",
            "select mart.amount, staged.amount from (select coalesce(sum(net_revenue_amount), 0) as amount "
            "from {batch}) as mart cross join (select coalesce(sum(total_amount_reporting), 0) as amount "
            "from staging.stg_pos__receipts) as staged where abs(mart.amount - staged.amount) > 0.01",
        ),
    ],
    "retention.customer_lifetime_value": [
        MartRule(
            "every customer of customer_lifetime_summary is scored by the latest CLV fit when it scored, "
            "and nobody when it was refused",
            "with latest as (select run_id, is_scored from retention.clv_model_runs "
            "order by fitted_at desc, run_id desc limit 1), "
            "scores as (select count(*) as scored_rows, count(distinct run_id) as fits, min(run_id) as run_id "
            "from {batch}), "
            "summary as (select count(*) as customers from retention.customer_lifetime_summary), "
            "matched as (select count(*) as customers from {batch} as scored "
            "inner join retention.customer_lifetime_summary as summary on scored.customer_id = summary.customer_id) "
            "select latest.run_id, latest.is_scored, scores.scored_rows, scores.run_id as scores_run_id, "
            "summary.customers, matched.customers as matched_customers "
            "from latest cross join scores cross join summary cross join matched "
            "where (latest.is_scored and (scores.scored_rows <> summary.customers "
            "or matched.customers <> summary.customers or scores.fits <> 1 or scores.run_id <> latest.run_id)) "
            "or (not latest.is_scored and scores.scored_rows > 0)",
        ),
    ],
    "retention.clv_model_runs": [
        MartRule(
            "no CLV model parameter moved by more than the drift tolerance (clv_drift_tolerance) since the "
            "previous fit",
            _clv_drift_query(),
            severity="warning",
        ),
    ],
}
