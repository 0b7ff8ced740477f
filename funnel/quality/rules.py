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

# Business rules of specific marts that dbt's tests do not state, as SQL returning the offending
# rows ({batch} is the mart).
MART_RULES: dict[str, list[tuple[str, str]]] = {
    "conversion.funnel_conversion": [
        (
            "funnel counts never increase from one step to the next",
            "select * from {batch} where reached_count > previous_step_reached_count",
        ),
    ],
    "retention.cohort_retention": [
        (
            "cohort month 0 retention is 100%",
            "select * from {batch} where month_number = 0 and retention_rate <> 1",
        ),
    ],
    "conversion.store_conversion_daily": [
        (
            "net revenue in the mart reconciles with the staged receipts (to the cent)",
            "select mart.amount, staged.amount from (select coalesce(sum(net_revenue_amount), 0) as amount "
            "from {batch}) as mart cross join (select coalesce(sum(total_amount_reporting), 0) as amount "
            "from staging.stg_pos__receipts) as staged where abs(mart.amount - staged.amount) > 0.01",
        ),
    ],
}
