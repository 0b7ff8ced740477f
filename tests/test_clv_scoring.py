"""The pipeline's clv stage (funnel.clv_scoring) on the CDNOW sample, checked against the published
parameters and against lifetimes 0.11.3's own formulas; refusals, reruns and the mart audit's rules."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from funnel import clv, clv_scoring
from funnel import settings as config
from funnel.quality.rules import MART_RULES

CDNOW_AS_OF = date(1997, 9, 30)
# Fader, Hardie and Lee (2005), CDNOW 1/10 sample, time in weeks.
PUBLISHED_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def _published_summary() -> pd.DataFrame:
    """The published CDNOW summary (lifetimes' datasets, not in this repository), in whole days as the mart has it.

    t_x and T are in weeks to 2 decimals: times 7 they are within 0.035 of the whole days they came from.
    """
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("lifetimes==0.11.3 is not installed (requirements.lock): it ships the CDNOW sample")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets"
    published = pd.read_csv(path / "cdnow_customers_summary_with_transactions.csv")
    return pd.DataFrame(
        {
            "customer_id": published["ID"].astype(str).str.zfill(4),
            "frequency": published["x"].astype("int32"),
            "recency": (published["t_x"] * 7).round().astype("int32"),
            "t": (published["T"] * 7).round().astype("int32"),
            "monetary_value": published["zbar"].where(published["x"] > 0, 0.0),  # the mart has 0 without repeats
            "as_of_date": CDNOW_AS_OF,
        }
    )


def _warehouse(tmp: Path, **overrides: str) -> config.Settings:
    """A build database holding only retention.customer_lifetime_summary (CDNOW), and its settings."""
    settings = config.load(warehouse=tmp, overrides=overrides)
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    summary = _published_summary()
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute("create schema retention")
        con.register("published", summary)
        con.execute(
            "create table retention.customer_lifetime_summary as select customer_id, frequency, recency, t, "
            "cast(monetary_value as decimal(18, 2)) as monetary_value, as_of_date from published"
        )
    return settings


@pytest.fixture(scope="module")
def weeks_run(tmp_path_factory):
    """One clv stage in weeks on CDNOW: the run, its clv_model_runs row and its scores."""
    settings = _warehouse(tmp_path_factory.mktemp("clv"), clv_time_unit="weeks", clv_horizon_days="360")
    run = clv_scoring.score_customers(settings, "run-1", echo=None)
    with duckdb.connect(str(settings.db_path)) as con:
        runs = con.sql(f"select * from {clv_scoring.RUNS}").df()
        scores = con.sql(f"select * from {clv_scoring.SCORES} order by customer_id").df()
    return settings, run, runs, scores


def test_the_stage_records_the_published_cdnow_parameters(weeks_run):
    _, run, runs, _ = weeks_run
    assert run.is_new_fit and run.run_id == "run-1" and run.refusal is None
    assert len(runs) == 1
    row = runs.iloc[0]
    assert (row.bg_nbd_status, row.gamma_gamma_status, row.time_unit) == ("converged", "converged", "weeks")
    assert (row.customer_count, row.repeat_customer_count, row.gamma_gamma_customer_count) == (2357, 946, 946)
    assert row.as_of_date.date() == CDNOW_AS_OF and bool(row.is_scored) and row.scored_customer_count == 2357
    for name, published in PUBLISHED_BG_NBD.items():
        assert row[name] == pytest.approx(published, rel=0.005), name
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert row[name] == pytest.approx(published, rel=0.01), name
    assert row.bg_nbd_log_likelihood == pytest.approx(-9582.4, abs=0.5)
    assert (row.clv_horizon_days, row.annual_discount_rate, row.min_repeat_customers) == (360, 0.10, 200)


def test_every_customer_matches_lifetimes_own_formulas(weeks_run):
    """lifetimes 0.11.3 (its own hypergeometric closed forms and CLV loop) at the run's parameters.

    lifetimes' CLV sums 30-day steps, each discounted from its end at a monthly rate; 360 days are 12 such
    steps here too, so the annual rate 0.10 is the monthly rate 1.10 ** (30 / 365.25) - 1.
    """
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    _, _, runs, scores = weeks_run
    row = runs.iloc[0]
    summary = _published_summary().sort_values("customer_id").reset_index(drop=True)
    assert list(scores.customer_id) == list(summary.customer_id)
    bg = BetaGeoFitter()
    # the fit is in weeks; in days alpha is 7 times larger and nothing else changes
    bg.params_ = pd.Series({"r": row.r, "alpha": row.alpha * 7, "a": row.a, "b": row.b})
    gg = GammaGammaFitter()
    gg.params_ = pd.Series({"p": row.p, "q": row.q, "v": row.gamma})
    x, t_x, big_t = (summary[c].astype(float) for c in ("frequency", "recency", "t"))
    np.testing.assert_allclose(
        scores.probability_alive, bg.conditional_probability_alive(x, t_x, big_t), rtol=1e-9, atol=1e-12
    )
    for days in (30, 90, 365):
        expected = bg.conditional_expected_number_of_purchases_up_to_time(days, x, t_x, big_t)
        np.testing.assert_allclose(scores[f"expected_purchases_{days}d"], expected, rtol=1e-8, err_msg=str(days))
    repeat = x > 0
    value = gg.conditional_expected_average_profit(x, summary["monetary_value"].fillna(0))
    np.testing.assert_allclose(
        scores.expected_average_value_amount.astype(float)[repeat], value[repeat], atol=0.005 + 1e-9
    )
    # lifetimes.utils._customer_lifetime_value's loop (which trips over pandas 3 there), on lifetimes' E[Y(t)]
    monthly = 1.10 ** (30 / 365.25) - 1
    purchases = bg.conditional_expected_number_of_purchases_up_to_time
    lifetimes_clv = sum(
        value.to_numpy()
        * (purchases(30 * k, x, t_x, big_t).to_numpy() - purchases(30 * (k - 1), x, t_x, big_t).to_numpy())
        / (1 + monthly) ** k
        for k in range(1, 13)
    )
    np.testing.assert_allclose(scores.clv_amount.astype(float), lifetimes_clv, rtol=1e-6, atol=0.005 + 1e-9)


def test_the_same_inputs_again_record_no_new_fit(weeks_run):
    settings, first, _, scores = weeks_run
    again = clv_scoring.score_customers(settings, "run-2", echo=None)
    assert not again.is_new_fit and again.run_id == first.run_id == "run-1"
    with duckdb.connect(str(settings.db_path)) as con:
        assert con.execute(f"select count(*) from {clv_scoring.RUNS}").fetchall() == [(1,)]
        rescored = con.sql(f"select * from {clv_scoring.SCORES} order by customer_id").df()
    pd.testing.assert_frame_equal(rescored, scores)


def test_too_few_repeat_customers_score_nobody_and_say_why(tmp_path):
    settings = _warehouse(tmp_path, clv_min_repeat_customers="947")
    run = clv_scoring.score_customers(settings, "refused", echo=None)
    assert run.scored == 0 and "946 repeat customers" in run.refusal
    assert "no customer scored" in run.summary()
    with duckdb.connect(str(settings.db_path)) as con:
        assert con.execute(f"select count(*) from {clv_scoring.SCORES}").fetchall() == [(0,)]
        row = con.execute(
            f"select bg_nbd_status, r, is_scored, scored_customer_count, min_repeat_customers from {clv_scoring.RUNS}"
        ).fetchone()
    assert row == ("too_few_repeat_customers", None, False, 0, 947)


def test_a_refused_fit_empties_the_previous_scores(tmp_path):
    settings = _warehouse(tmp_path)
    assert clv_scoring.score_customers(settings, "scored", echo=None).scored == 2357
    stricter = config.load(warehouse=tmp_path, overrides={"clv_min_repeat_customers": "5000"})
    assert clv_scoring.score_customers(stricter, "refused", echo=None).scored == 0
    with duckdb.connect(str(settings.db_path)) as con:
        assert con.execute(f"select count(*) from {clv_scoring.SCORES}").fetchall() == [(0,)]
        runs = con.execute(f"select run_id, is_scored from {clv_scoring.RUNS} order by fitted_at").fetchall()
    assert runs == [("scored", True), ("refused", False)]


def test_a_summary_as_of_another_day_than_the_setting_is_an_error(tmp_path):
    settings = _warehouse(tmp_path, as_of_date="1997-10-01")
    with pytest.raises(RuntimeError, match="is as of 1997-09-30, but the setting as_of_date is 1997-10-01"):
        clv_scoring.score_customers(settings, "r", echo=None)


# --- the mart audit's rules, run as SQL on hand-made tables -----------------------------------------


def _rule(table: str, description_start: str) -> str:
    rule = next(r for r in MART_RULES[table] if r.description.startswith(description_start))
    return rule.query.format(batch=table)


def _fit(run_id: str, fitted_at: str, time_unit: str, **params: float) -> dict:
    return {"run_id": run_id, "fitted_at": fitted_at, "time_unit": time_unit, "drift_tolerance": 2.0} | params


@pytest.mark.parametrize(
    ("previous", "latest", "moved"),
    [
        # alpha doubled and a bit: drift; b exactly doubled: not (more than the factor)
        ({"r": 0.5, "alpha": 10, "a": 1, "b": 2}, {"r": 0.5, "alpha": 20.2, "a": 1, "b": 4}, {"alpha"}),
        ({"r": 0.5, "alpha": 10, "a": 1, "b": 2}, {"r": 0.24, "alpha": 10, "a": 1, "b": 2}, {"r"}),
        # a change of time unit is no drift: 10 days are 10/7 weeks
        ({"r": 0.5, "alpha": 10, "a": 1, "b": 2}, {"r": 0.5, "alpha": 10 / 7, "a": 1, "b": 2, "unit": "weeks"}, set()),
        # an unconverged fit has null parameters and is not compared
        ({"r": 0.5, "alpha": 10, "a": 1, "b": 2}, {}, set()),
    ],
)
def test_the_drift_warning_agrees_with_parameter_drift(previous, latest, moved):
    unit = latest.pop("unit", "days")
    con = duckdb.connect()
    con.execute("create schema retention")
    names = ", ".join(f"{name} double" for name in clv.BG_NBD_PARAMS + clv.GAMMA_GAMMA_PARAMS)
    con.execute(
        f"create table retention.clv_model_runs (run_id varchar, fitted_at timestamp, time_unit varchar, "
        f"drift_tolerance double, {names})"
    )
    for row in (_fit("one", "2026-01-01", "days", **previous), _fit("two", "2026-01-02", unit, **latest)):
        con.execute(
            f"insert into retention.clv_model_runs ({', '.join(row)}) values ({', '.join('?' * len(row))})",
            list(row.values()),
        )
    found = {r[0] for r in con.execute(_rule("retention.clv_model_runs", "no CLV model parameter")).fetchall()}
    assert found == moved
    if latest and unit == "days":  # parameter_drift reports a change of unit instead of comparing
        fits = [clv.FitResult("bg_nbd", "converged", "", params=p, time_unit="days") for p in (previous, latest)]
        assert {line.split()[1] for line in clv.parameter_drift(*fits, max_ratio=2.0)} == moved


def test_the_mart_audit_warns_of_drift_and_passes_a_complete_scoring(weeks_run, tmp_path):
    """Through Great Expectations: a previous fit with alpha 10 times smaller is a warning, not a block."""
    import shutil

    from funnel import quality

    settings, *_ = weeks_run
    db = tmp_path / "funnel.duckdb"
    shutil.copy(settings.db_path, db)
    with duckdb.connect(str(db)) as con:
        con.execute(
            f"insert into {clv_scoring.RUNS} by name select * replace ("
            "'run-0' as run_id, alpha / 10 as alpha, fitted_at - interval 1 day as fitted_at) "
            f"from {clv_scoring.RUNS}"
        )
    report = quality.run_isolated("marts", db)
    clv_outcomes = {
        o.expectation: o for o in report.outcomes if "clv_model_runs" in o.suite or "customer_lifetime_value" in o.suite
    }
    assert len(clv_outcomes) == 2, [o.suite for o in report.outcomes]
    by_severity = {o.severity: o for o in clv_outcomes.values()}
    assert not by_severity["warning"].success and not by_severity["warning"].blocks
    assert by_severity["critical"].success and not by_severity["critical"].errored
