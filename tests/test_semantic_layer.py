"""The MetricFlow semantic layer answers with the warehouse's own numbers.

`mf` runs in a subprocess, as an analyst runs it, against the demo build database. Each number is
checked against an independent computation on the same database: leads, revenue, deals, repeat
and retention from the staging layer (worked out here in Python), the funnel step rates from plain
counts on `fct_lead_funnel_steps` (whose logic its own unit tests pin down): what is checked there
is the semantic layer's step filters and ratios.

mf reads `<project>/target/semantic_manifest.json` and nothing else (it ignores --target-path and
DBT_TARGET_PATH), so the test parses the project into a folder of its own that links to the
project's files, and points mf at it with DBT_PROJECT_DIR: it never touches the project's target/.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from funnel.contract import PROJECT_ROOT

pytestmark = pytest.mark.dbt

# the project files dbt reads; target/ and logs/ stay the shadow project's own
PROJECT_FILES = ("dbt_project.yml", ".dbtignore", "models", "macros", "seeds", "tests")
# int_store_days_aggregated's business dates: var warehouse_timezone's default
BUSINESS_TIME_ZONE = ZoneInfo("Europe/Budapest")
MONTHLY_METRICS = (
    "leads",
    "hot_lead_share",
    "outbound_reach_rate",
    "inbound_response_rate",
    "win_rate",
    "net_revenue",
    "repeat_rate",
    "month_1_retention_rate",
    "hot_new_won_client_share",
)


@dataclass
class SemanticLayer:
    project: Path
    env: dict[str, str]
    db_path: Path

    def mf(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        mf = Path(sys.executable).with_name("mf")
        result = subprocess.run(
            [str(mf if mf.exists() else "mf"), *args],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"mf {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result

    def query(self, *args: str) -> list[dict[str, str]]:
        """Rows of `mf query <args>`, read from its --csv output."""
        out = self.project / "query.csv"
        out.unlink(missing_ok=True)
        self.mf("query", *args, "--csv", str(out), "--quiet")
        with out.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))


def prepare(project: Path, db_path: Path) -> SemanticLayer:
    """Link the project's files into `project` and parse it there (writes project/target/)."""
    project.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        link = project / name
        if not link.exists():
            link.symlink_to(PROJECT_ROOT / name)
    env = {k: v for k, v in os.environ.items() if k not in ("DBT_TARGET_PATH", "DBT_LOG_PATH")}
    env.update(
        DBT_PROFILES_DIR=str(PROJECT_ROOT),
        DBT_PROJECT_DIR=str(project),
        FUNNEL_DB_PATH=str(db_path),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt if dbt.exists() else "dbt"), "parse", "--quiet", "--project-dir", str(project)],
        cwd=project,
        env=env,
        check=True,
        timeout=300,
    )
    assert (project / "target" / "semantic_manifest.json").exists()
    return SemanticLayer(project, env, db_path)


@pytest.fixture(scope="module")
def layer(demo_run, tmp_path_factory) -> SemanticLayer:
    _, _, db_path, _ = demo_run
    return prepare(tmp_path_factory.mktemp("semantic_layer") / "project", db_path)


def month_key(value: str) -> str:
    return value[:10]


def by_month(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {month_key(row["metric_time__month"]): row for row in rows}


def number(text: str) -> float | None:
    return None if text == "" else float(text)


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def same_ratio(numerator: int, denominator: int):
    """What a ratio metric returns: numerator ÷ denominator, or null (empty) when the denominator is 0."""
    return None if denominator == 0 else pytest.approx(numerator / denominator, rel=1e-12)


def month_start(day: dt.date | dt.datetime) -> str:
    return f"{day.year:04d}-{day.month:02d}-01"


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


@pytest.fixture(scope="module")
def monthly(layer) -> dict[str, dict[str, str]]:
    """One `mf query` of every headline metric by month (an analyst's first question)."""
    rows = layer.query("--metrics", ",".join(MONTHLY_METRICS), "--group-by", "metric_time__month")
    return by_month(rows)


def read(db_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


# ---- independent computations ------------------------------------------------------------------


def leads_by_month(db_path: Path) -> dict[str, tuple[int, int]]:
    """(leads, inbound leads) per UTC creation month, straight from the staged CRM leads."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for created_at, initiative in read(db_path, "select created_at, initiative from staging.stg_crm__leads"):
        counts[month_start(created_at)][0] += 1
        counts[month_start(created_at)][1] += initiative == "inbound"
    return {month: (leads, hot) for month, (leads, hot) in counts.items()}


def net_revenue_by_business_month(db_path: Path) -> dict[str, Decimal]:
    """Every receipt's reporting amount (returns negative), on its local business date's month."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for occurred_at, amount in read(
        db_path, "select occurred_at, total_amount_reporting from staging.stg_pos__receipts"
    ):
        local = occurred_at.replace(tzinfo=dt.UTC).astimezone(BUSINESS_TIME_ZONE)
        totals[month_start(local)] += amount
    return dict(totals)


def win_rate_by_closing_month(db_path: Path) -> dict[str, float | None]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for closed_at, is_won in read(
        db_path, "select closed_at, is_won from staging.stg_crm__opportunities where is_closed"
    ):
        counts[month_start(closed_at)][0] += is_won
        counts[month_start(closed_at)][1] += 1
    return {month: ratio(won, closed) for month, (won, closed) in counts.items()}


def customer_purchase_days(db_path: Path) -> dict[str, set[dt.date]]:
    """Each loyalty customer's distinct UTC days with a sale receipt (returns never make a day)."""
    days: dict[str, set[dt.date]] = defaultdict(set)
    for customer_id, occurred_at in read(
        db_path,
        "select customer_id, occurred_at from staging.stg_pos__receipts"
        " where customer_id is not null and not is_return",
    ):
        days[customer_id].add(occurred_at.date())
    return days


def repeat_and_month_1_retention(db_path: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Per first-purchase month: share with >= 2 purchase days; share buying in the next month
    (only when that month ended by the as-of date, the latest sale date)."""
    days = customer_purchase_days(db_path)
    ((as_of,),) = read(
        db_path, "select max(cast(occurred_at as date)) from staging.stg_pos__receipts where not is_return"
    )
    size: dict[str, int] = defaultdict(int)
    repeat: dict[str, int] = defaultdict(int)
    back: dict[str, int] = defaultdict(int)
    for customer_days in days.values():
        cohort = min(customer_days).replace(day=1)
        following = next_month(cohort)
        size[month_start(cohort)] += 1
        repeat[month_start(cohort)] += len(customer_days) >= 2
        back[month_start(cohort)] += any(day.replace(day=1) == following for day in customer_days)
    repeat_rate = {cohort: repeat[cohort] / size[cohort] for cohort in size}
    retention = {}
    for cohort in size:
        following = next_month(dt.date.fromisoformat(cohort))
        if next_month(following) - dt.timedelta(days=1) <= as_of:
            retention[cohort] = back[cohort] / size[cohort]
    return repeat_rate, retention


def hot_new_won_client_share(db_path: Path) -> dict[str, float]:
    """Per month of a lead's first won deal: share of those leads that are inbound (hot)."""
    rows = read(
        db_path,
        """
        select leads.initiative, min(opportunities.closed_at) as first_won_at
        from staging.stg_crm__opportunities as opportunities
        inner join staging.stg_crm__leads as leads
            on opportunities.lead_id = leads.lead_id
        where opportunities.is_won
        group by leads.lead_id, leads.initiative
        """,
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for initiative, first_won_at in rows:
        counts[month_start(first_won_at)][0] += initiative == "inbound"
        counts[month_start(first_won_at)][1] += 1
    return {month: hot / won for month, (hot, won) in counts.items()}


def funnel_counts(db_path: Path) -> dict[tuple[str, str, str], int]:
    """(month of lead creation, funnel, step) -> leads that reached the step."""
    rows = read(
        db_path,
        """
        select lead_created_at, funnel, step_name, is_reached
        from conversion.fct_lead_funnel_steps
        """,
    )
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for created_at, funnel, step, is_reached in rows:
        counts[(month_start(created_at), funnel, step)] += is_reached
    return counts


# ---- checks -------------------------------------------------------------------------------------


def check_monthly(monthly: dict[str, dict[str, str]], db_path: Path) -> None:
    leads = leads_by_month(db_path)
    lead_months = {m for m, row in monthly.items() if row["leads"] != ""}
    assert lead_months == set(leads), "every month with leads, and only those"
    for month, (count, hot) in leads.items():
        assert int(monthly[month]["leads"]) == count, month
        assert number(monthly[month]["hot_lead_share"]) == pytest.approx(hot / count, rel=1e-12), month

    revenue = net_revenue_by_business_month(db_path)
    assert {m for m, row in monthly.items() if row["net_revenue"] != ""} == set(revenue)
    for month, total in revenue.items():
        assert Decimal(monthly[month]["net_revenue"]).quantize(Decimal("0.01")) == total, month

    for month, rate in win_rate_by_closing_month(db_path).items():
        assert number(monthly[month]["win_rate"]) == pytest.approx(rate, rel=1e-12), month

    repeat_rate, retention = repeat_and_month_1_retention(db_path)
    for month, rate in repeat_rate.items():
        assert number(monthly[month]["repeat_rate"]) == pytest.approx(rate, rel=1e-12), month
    for month, row in monthly.items():
        expected = retention.get(month)
        got = number(row["month_1_retention_rate"])
        assert (got is None) == (expected is None), month
        if expected is not None:
            assert got == pytest.approx(expected, rel=1e-12), month

    shares = hot_new_won_client_share(db_path)
    for month, row in monthly.items():
        got = number(row["hot_new_won_client_share"])
        assert got == (pytest.approx(shares[month], rel=1e-12) if month in shares else None), month

    counts = funnel_counts(db_path)
    for month, row in monthly.items():
        reached, dialed = counts[(month, "outbound", "reached")], counts[(month, "outbound", "dialed")]
        assert number(row["outbound_reach_rate"]) == same_ratio(reached, dialed), month
        responded, requests = counts[(month, "inbound", "responded")], counts[(month, "inbound", "request")]
        assert number(row["inbound_response_rate"]) == same_ratio(responded, requests), month


def check_saved_query_monthly_funnel(layer: SemanticLayer) -> None:
    rows = by_month(layer.query("--saved-query", "monthly_funnel"))
    counts = funnel_counts(layer.db_path)
    leads = leads_by_month(layer.db_path)
    assert set(rows) == set(leads)
    rates = {
        "outbound_reach_rate": ("outbound", "reached", "dialed"),
        "outbound_listen_rate": ("outbound", "listened", "reached"),
        "outbound_attendance_rate": ("outbound", "attended", "agreed"),
        "outbound_price_discussion_rate": ("outbound", "price_discussed", "listened"),
        "outbound_dial_to_win_rate": ("outbound", "won", "dialed"),
        "inbound_response_rate": ("inbound", "responded", "request"),
        "inbound_request_to_win_rate": ("inbound", "won", "request"),
    }
    for month, row in rows.items():
        assert int(row["leads"]) == leads[month][0]
        assert int(row["outbound_leads_dialed"]) == counts[(month, "outbound", "dialed")]
        assert int(row["inbound_requests"]) == counts[(month, "inbound", "request")]
        for metric, (funnel, numerator, denominator) in rates.items():
            expected = same_ratio(counts[(month, funnel, numerator)], counts[(month, funnel, denominator)])
            assert number(row[metric]) == expected, (month, metric)


def test_configs_validate(layer):
    # --skip-dw: the queries below exercise the warehouse; this checks the semantic manifest's rules
    result = layer.mf("validate-configs", "--skip-dw")
    assert "ERRORS: 0" in result.stdout, result.stdout


def test_monthly_headline_metrics_match_independent_queries(layer, monthly):
    assert len(monthly) >= 4, monthly.keys()
    check_monthly(monthly, layer.db_path)


def test_saved_query_monthly_funnel_matches_step_counts(layer):
    check_saved_query_monthly_funnel(layer)
