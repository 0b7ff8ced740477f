"""The pipeline's clv stage: fit the CLV models, score every customer, then build what dbt reads from them.

It runs between the dbt build and the mart audit, on the build database:

1. reads `retention.customer_lifetime_summary` (its as-of date is the run's: the setting `as_of_date`,
   else the latest day in the data);
2. fits BG/NBD and Gamma-Gamma (funnel/clv.py) with the `clv_*` settings;
3. writes `retention.customer_lifetime_value`: every customer when both models converged, nobody when
   a fit was refused (too few repeat customers, no convergence, a degenerate estimate), and a row of
   `retention.clv_model_runs` saying which and why, unless the previous fit had the same inputs;
4. builds the dbt nodes that read those tables (ROLLUPS: clv_by_segment, channel_economics and their
   tests), which the first dbt build leaves out so that they never see the previous run's scores.

The tables' columns are declared once, in the dbt source `clv_fit` (SOURCES_YAML); docs/clv.md has
the models, the settings and what is published when.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import yaml

from funnel import clv, transform
from funnel.project import PROJECT_ROOT
from funnel.settings import Settings

# dbt nodes built after the fit: the fitted tables (a source) and everything downstream of them.
ROLLUPS = "source:clv_fit+"
SOURCES_YAML = PROJECT_ROOT / "models" / "marts" / "retention" / "_retention__sources.yml"
SUMMARY = "retention.customer_lifetime_summary"
SCORES = "retention.customer_lifetime_value"
RUNS = "retention.clv_model_runs"
DBT_TIMEOUT_SECONDS = 1800


@dataclass
class ClvRun:
    """What one clv stage did."""

    run_id: str  # the fit the scores belong to (an earlier run's when the inputs had not changed)
    as_of_date: date | None
    bg_nbd: clv.FitResult
    gamma_gamma: clv.FitResult
    scored: int  # customers written to customer_lifetime_value
    is_new_fit: bool  # a row was added to clv_model_runs
    refusal: str | None = None  # why no customer was scored, in words
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the run log and the run summary."""
        when = f"as of {self.as_of_date}" if self.as_of_date else "without customers"
        head = f"CLV {when}: {self.bg_nbd.n_customers:,} customers, {self.bg_nbd.n_repeat_customers:,} repeat"
        if self.scored:
            shown = ", ".join(f"{k} {v:.4g}" for k, v in (self.bg_nbd.params | self.gamma_gamma.params).items())
            return f"{head}; {self.scored:,} scored ({shown})"
        return f"{head}; no customer scored: {self.refusal}"


@cache
def table_columns() -> dict[str, dict[str, str]]:
    """`schema.table` -> {column: type} of the clv_fit source, in declaration order."""
    doc = yaml.safe_load(SOURCES_YAML.read_text(encoding="utf-8"))
    source = next(s for s in doc["sources"] if s["name"] == "clv_fit")
    return {
        f"{source['schema']}.{table['name']}": {c["name"]: c["data_type"] for c in table["columns"]}
        for table in source["tables"]
    }


def clv_settings(settings: Settings) -> clv.ClvSettings:
    """The model settings of funnel/clv.py from the run's settings."""
    return clv.ClvSettings(
        time_unit=settings["clv_time_unit"],
        clv_horizon_days=int(settings["clv_horizon_days"]),
        annual_discount_rate=float(settings["clv_annual_discount_rate"]),
        min_repeat_customers=int(settings["clv_min_repeat_customers"]),
    )


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the fitted tables as declared; a release that changed their columns gets them adapted.

    The scores are replaced every run, so a changed scores table is made again; the runs table keeps
    its history and only gains the new columns (old rows read null there).
    """
    for name, columns in table_columns().items():
        schema, table = name.split(".")
        con.execute(f"create schema if not exists {schema}")
        have = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
        )
        declared = ", ".join(f"{column} {kind}" for column, kind in columns.items())
        if have and name == SCORES and list(have) != list(columns):
            con.execute(f"drop table {name}")
            have = {}
        if not have:
            con.execute(f"create table {name} ({declared})")
            continue
        for column, kind in columns.items():
            if column not in have:
                con.execute(f"alter table {name} add column {column} {kind}")


def read_summary(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The lifetime summary, one row per customer in customer order, money as doubles for the models."""
    return con.sql(
        f"select customer_id, cast(frequency as double) as frequency, cast(recency as double) as recency, "
        f"cast(t as double) as t, cast(monetary_value as double) as monetary_value, as_of_date "
        f"from {SUMMARY} order by customer_id"
    ).to_arrow_table()


def as_of_date(summary: pa.Table, setting: str | None) -> date | None:
    """The summary's as-of date, which must be the setting's when one is set."""
    dates = set(summary.column("as_of_date").unique().to_pylist())
    if len(dates) > 1:
        raise RuntimeError(f"{SUMMARY} holds several as-of dates: {sorted(dates)}; build it again")
    found = next(iter(dates), None)
    wanted = date.fromisoformat(setting) if setting else None
    if wanted and found and wanted != found:
        raise RuntimeError(f"{SUMMARY} is as of {found}, but the setting as_of_date is {wanted}; build it again")
    return found or wanted


def input_fingerprint(summary: pa.Table, settings: clv.ClvSettings, tolerance: float, as_of: date | None) -> str:
    """One digest of the customers fitted (ids and summary) and the settings: equal inputs, equal fit."""
    digest = hashlib.sha256(json.dumps([str(as_of), repr(settings), tolerance]).encode())
    for name in ("customer_id", "frequency", "recency", "t", "monetary_value"):
        for chunk in summary.column(name).chunks:
            for buffer in chunk.buffers():
                if buffer is not None:
                    digest.update(buffer)
    return digest.hexdigest()


def _column(summary: pa.Table, name: str) -> np.ndarray:
    return summary.column(name).to_numpy()


def _score(summary: pa.Table, bg: clv.FitResult, gg: clv.FitResult, settings: clv.ClvSettings):
    """Per-customer numbers as columns of floats, or why there are none."""
    if not (bg.converged and gg.converged):
        refused = [f"{fit.model} {fit.status}: {fit.message}" for fit in (bg, gg) if not fit.converged]
        return None, "; ".join(refused)
    try:
        return clv.score(
            *(_column(summary, c) for c in ("frequency", "recency", "t", "monetary_value")), bg, gg, settings
        ), None
    except clv.FitNotUsable as exc:
        return None, f"scoring refused: {exc}"


def _scores_table(summary: pa.Table, scores: dict[str, np.ndarray], run_id: str, as_of: date) -> pa.Table:
    """customer_lifetime_value's rows; a NaN (outside the Gamma-Gamma model) becomes null."""
    rows = len(summary)
    columns: dict[str, Any] = {"customer_id": summary.column("customer_id")}
    names = {"expected_average_value": "expected_average_value_amount"}
    for name, values in scores.items():
        columns[names.get(name, name)] = pa.array(values, mask=np.isnan(values))
    columns["as_of_date"] = pa.array([as_of] * rows, type=pa.date32())
    columns["run_id"] = pa.array([run_id] * rows, type=pa.string())
    return pa.table(columns)


def _run_row(run: ClvRun, settings: clv.ClvSettings, tolerance: float, fingerprint: str) -> dict[str, Any]:
    bg, gg = run.bg_nbd, run.gamma_gamma
    return {
        "run_id": run.run_id,
        "as_of_date": run.as_of_date,
        "time_unit": settings.time_unit,
        "customer_count": bg.n_customers,
        "repeat_customer_count": bg.n_repeat_customers,
        "bg_nbd_status": bg.status,
        "bg_nbd_message": bg.message,
        **{name: bg.params.get(name) for name in clv.BG_NBD_PARAMS},
        "bg_nbd_log_likelihood": bg.log_likelihood,
        "gamma_gamma_status": gg.status,
        "gamma_gamma_message": gg.message,
        "gamma_gamma_customer_count": gg.n_customers,
        **{name: gg.params.get(name) for name in clv.GAMMA_GAMMA_PARAMS},
        "gamma_gamma_log_likelihood": gg.log_likelihood,
        "scored_customer_count": run.scored,
        "is_scored": run.scored > 0,
        "clv_horizon_days": settings.clv_horizon_days,
        "annual_discount_rate": settings.annual_discount_rate,
        "min_repeat_customers": settings.min_repeat_customers,
        "drift_tolerance": tolerance,
        "input_fingerprint": fingerprint,
        "fit_seconds": round(sum(run.seconds.values()), 3),
        "fitted_at": datetime.now(UTC).replace(tzinfo=None),
    }


def score_customers(settings: Settings, run_id: str, echo: Callable[[str], None] | None = print) -> ClvRun:
    """Fit, score and write the fitted tables of the build database (steps 1 to 3 above)."""
    say = echo or (lambda _: None)
    model_settings = clv_settings(settings)
    tolerance = float(settings["clv_drift_tolerance"])
    seconds: dict[str, float] = {}
    with duckdb.connect(str(settings.db_path)) as con:
        started = time.perf_counter()
        summary = read_summary(con)
        as_of = as_of_date(summary, settings["as_of_date"])
        seconds["read"] = time.perf_counter() - started
        frequency, recency, t, value = (_column(summary, c) for c in ("frequency", "recency", "t", "monetary_value"))
        say(f"clv: fitting BG/NBD on {len(summary):,} customers as of {as_of} ({model_settings.time_unit})")
        started = time.perf_counter()
        common = {"as_of_date": as_of, "min_repeat_customers": model_settings.min_repeat_customers}
        bg = clv.fit_bg_nbd(frequency, recency, t, time_unit=model_settings.time_unit, **common)
        say(f"clv: BG/NBD {bg.status}: {bg.message}")
        gg = clv.fit_gamma_gamma(frequency, value, **common)
        say(f"clv: Gamma-Gamma {gg.status}: {gg.message}")
        seconds["fit"] = time.perf_counter() - started
        started = time.perf_counter()
        scores, refusal = _score(summary, bg, gg, model_settings)
        seconds["score"] = time.perf_counter() - started
        fingerprint = input_fingerprint(summary, model_settings, tolerance, as_of)
        ensure_tables(con)
        latest = con.execute(f"select run_id, input_fingerprint from {RUNS} order by fitted_at desc limit 1").fetchone()
        is_new = latest is None or latest[1] != fingerprint
        fit_id = run_id if is_new else latest[0]
        run = ClvRun(fit_id, as_of, bg, gg, len(summary) if scores else 0, is_new, refusal, seconds)
        started = time.perf_counter()
        con.execute("begin")
        con.execute(f"delete from {SCORES}")
        if scores is not None:
            con.register("clv_scores", _scores_table(summary, scores, fit_id, as_of))
            con.execute(f"insert into {SCORES} by name select * from clv_scores")
            con.unregister("clv_scores")
        if is_new:
            row = _run_row(run, model_settings, tolerance, fingerprint)
            marks = ", ".join("?" * len(row))
            con.execute(f"insert into {RUNS} ({', '.join(row)}) values ({marks})", list(row.values()))
        con.execute("commit")
        seconds["write"] = time.perf_counter() - started
    say(run.summary())
    return run


def build_rollups(settings: Settings, echo: Callable[[str], None] | None = print) -> transform.DbtSummary:
    """Build and test the dbt nodes that read the fitted tables (step 4 above)."""
    args = ["build", "--select", ROLLUPS, "--exclude-resource-type", "unit_test"]
    return transform.run_dbt(args, settings, echo=echo, timeout=DBT_TIMEOUT_SECONDS)
