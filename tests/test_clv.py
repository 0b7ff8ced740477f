"""Predictive CLV (funnel.clv): published CDNOW results, hand-worked cases, numeric integration, simulation."""

from __future__ import annotations

import importlib.util
import math
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import duckdb
import jinja2
import numpy as np
import pyarrow as pa
import pytest
from scipy import integrate, optimize, special, stats

from funnel import clv
from funnel.contract import PROJECT_ROOT

CDNOW_AS_OF = date(1997, 9, 30)
# Fader, Hardie and Lee (2005), CDNOW 1/10 sample, 39-week calibration period, time in weeks.
PUBLISHED_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
CDNOW_PARAMS = list(PUBLISHED_BG_NBD.values())


# --- the CDNOW sample, summarised by the lifetime summary mart's own SQL -----------------------------


def _lifetimes_datasets() -> Path:
    """The datasets folder of the lifetimes wheel (pinned in requirements.lock), found without importing it.

    lifetimes 0.11.3 itself may not import under pandas 3; only its data files are used.
    """
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("lifetimes==0.11.3 is not installed (requirements.lock): it ships the CDNOW sample")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets"


def _model_sql(path: str, **relations: str) -> str:
    """A model's SQL with ref() pointed at the given relations and dbt.datediff as dbt-duckdb renders it."""
    template = (PROJECT_ROOT / "models" / path).read_text(encoding="utf-8")
    datediff = SimpleNamespace(
        datediff=lambda first, second, part: f"(date_diff('{part}', {first}::timestamp, {second}::timestamp))"
    )
    return jinja2.Environment().from_string(template).render(ref=lambda model: relations[model], dbt=datediff)


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    """The CDNOW sample as of 1997-09-30 through customer_lifetime_summary.sql, with the published table beside it.

    The purchase days are built as int_purchase_days_netted_of_returns builds them (one row per customer
    and day, amounts summed; CDNOW has no returns and no stores), then rolled up to customers by
    int_purchase_days_rolled_up_to_customers.sql and summarised by the mart's SQL.
    """
    datasets = _lifetimes_datasets()
    # CDNOW_sample.txt: master id, sample id, yyyymmdd, number of CDs, dollar value; space-aligned.
    raw = np.loadtxt(datasets / "CDNOW_sample.txt")
    con = duckdb.connect()
    con.register(
        "cdnow",
        pa.table({"customer_id": raw[:, 1].astype(np.int64), "day": raw[:, 2].astype(np.int64), "amount": raw[:, 4]}),
    )
    con.execute(
        f"""
        create table purchase_days as
        with days as (
            select
                cast(customer_id as varchar) as customer_id,
                cast(strptime(cast(day as varchar), '%Y%m%d') as date) as purchase_date,
                cast(null as varchar) as first_store_id,
                count(*) as sale_receipt_count,
                0 as return_receipt_count,
                sum(amount) as sales_amount,
                0 as returns_amount,
                sum(amount) as net_amount
            from cdnow
            where day <= {CDNOW_AS_OF:%Y%m%d}
            group by all
        )
        select
            *,
            row_number() over (partition by customer_id order by purchase_date) as purchase_day_number,
            date '{CDNOW_AS_OF}' as as_of_date
        from days
        """
    )
    rolled_up_sql = _model_sql(
        "intermediate/retention/int_purchase_days_rolled_up_to_customers.sql",
        int_purchase_days_netted_of_returns="purchase_days",
    )
    con.execute(f"create table customers_rolled_up as {rolled_up_sql}")
    summary_sql = _model_sql(
        "marts/retention/customer_lifetime_summary.sql", int_purchase_days_rolled_up_to_customers="customers_rolled_up"
    )
    con.execute(f"create table summary as {summary_sql}")
    published = datasets / "cdnow_customers_summary_with_transactions.csv"
    con.execute(f"create table published as select * from read_csv('{published}')")
    return con.execute(
        """
        select
            s.frequency, s.recency, s.t, cast(s.monetary_value as double) as monetary_value,
            p.x as published_frequency, p.t_x as published_recency, p."T" as published_t, p.zbar as published_value
        from summary as s
        full outer join published as p on s.customer_id = cast(p.ID as varchar)
        order by p.ID
        """
    ).fetchnumpy()


def test_lifetime_summary_sql_reproduces_the_published_cdnow_table(cdnow):
    """All 2,357 customers: x exactly, t_x and T in weeks and the mean repeat value to the table's 2 decimals."""
    assert len(cdnow["frequency"]) == 2357
    assert not np.ma.is_masked(cdnow["frequency"]) and not np.ma.is_masked(cdnow["published_frequency"])
    np.testing.assert_array_equal(cdnow["frequency"], cdnow["published_frequency"])
    np.testing.assert_allclose(cdnow["recency"] / 7, cdnow["published_recency"], atol=0.005 + 1e-9)
    np.testing.assert_allclose(cdnow["t"] / 7, cdnow["published_t"], atol=0.005 + 1e-9)
    np.testing.assert_allclose(cdnow["monetary_value"], cdnow["published_value"], atol=0.01 + 1e-9)
    assert int(np.count_nonzero(cdnow["frequency"])) == 946


def test_bg_nbd_gives_the_published_cdnow_parameters(cdnow):
    fit = clv.fit_bg_nbd(cdnow["frequency"], cdnow["recency"], cdnow["t"], time_unit="weeks", as_of_date=CDNOW_AS_OF)
    assert fit.converged, fit.message
    for name, published in PUBLISHED_BG_NBD.items():
        assert fit.params[name] == pytest.approx(published, rel=0.005), name
    # The paper's log-likelihood at its estimates is -9582.4.
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)
    assert (fit.n_customers, fit.n_repeat_customers, fit.as_of_date, fit.time_unit) == (
        2357,
        946,
        CDNOW_AS_OF,
        "weeks",
    )


def test_gamma_gamma_gives_the_published_cdnow_parameters(cdnow):
    fit = clv.fit_gamma_gamma(cdnow["frequency"], cdnow["monetary_value"], as_of_date=CDNOW_AS_OF)
    assert fit.converged, fit.message
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert fit.params[name] == pytest.approx(published, rel=0.01), name
    assert fit.n_customers == 946


def test_days_and_weeks_give_the_same_customers_numbers(cdnow):
    """The time unit rescales alpha by 7 and nothing else; per-customer numbers do not change."""
    weeks = clv.fit_bg_nbd(cdnow["frequency"], cdnow["recency"], cdnow["t"], time_unit="weeks")
    days = clv.fit_bg_nbd(cdnow["frequency"], cdnow["recency"], cdnow["t"], time_unit="days")
    for name in ("r", "a", "b"):
        assert days.params[name] == pytest.approx(weeks.params[name], rel=1e-4)
    assert days.params["alpha"] == pytest.approx(7 * weeks.params["alpha"], rel=1e-4)
    gamma_gamma = clv.fit_gamma_gamma(cdnow["frequency"], cdnow["monetary_value"])
    args = (cdnow["frequency"], cdnow["recency"], cdnow["t"], cdnow["monetary_value"])
    in_weeks = clv.score(*args, weeks, gamma_gamma, clv.ClvSettings(time_unit="weeks"))
    in_days = clv.score(*args, days, gamma_gamma, clv.ClvSettings(time_unit="days"))
    for name, values in in_weeks.items():
        np.testing.assert_allclose(in_days[name], values, rtol=1e-3, err_msg=name)


# --- closed forms against published and hand-worked values -------------------------------------------


def test_expectations_match_hardies_bg_nbd_spreadsheet(cdnow):
    """Hardie's Excel implementation of the BG/NBD on CDNOW, at the maximum-likelihood estimates."""
    params = clv.fit_bg_nbd(cdnow["frequency"], cdnow["recency"], cdnow["t"], time_unit="weeks").require()
    # E[Y(39) | x = 2, t_x = 30.43, T = 38.86] = 1.226.
    assert clv.expected_purchases(params, 39, 2, 30.43, 38.86)[0] == pytest.approx(1.226, abs=5e-4)
    # E[X(t)] of a new customer (FHL 2005 eq. 7), the spreadsheet's cumulative-purchase curve (4 decimals).
    weeks = [0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0]
    published = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    np.testing.assert_allclose(clv.expected_purchases_new_customer(params, weeks), published, atol=5e-4)


def test_probability_alive_worked_by_hand():
    # No repeat purchase: BG/NBD customers drop out only right after a repeat purchase, so P(alive) = 1.
    np.testing.assert_array_equal(clv.probability_alive(CDNOW_PARAMS, [0, 0], [0, 0], [1, 500]), [1.0, 1.0])
    # r = alpha = a = 1, b = 2, x = 1, t_x = 1, T = 3: odds of dropout 1/2 (4/2)^2 = 2, so P(alive) = 1/3.
    assert clv.probability_alive([1, 1, 1, 2], 1, 1, 3)[0] == pytest.approx(1 / 3, rel=1e-12)
    # A purchase at T itself: odds a/(b+x-1) = 0.5/(1.5+2-1) = 0.2, P(alive) = 1/1.2.
    assert clv.probability_alive([0.7, 3, 0.5, 1.5], 2, 10, 10)[0] == pytest.approx(1 / 1.2, rel=1e-12)


def _by_integration(params, x, t_x, big_t, horizon):
    """P(alive) and E[Y(horizon)] from the model's definition, integrating over the dropout probability.

    Given alive at T with rate lambda and dropout p, E[Y(h)] = (1 - exp(-lambda p h)) / p (dropouts
    thin the purchases to rate lambda p). The lambda integral of the gamma posterior is done by hand;
    the p integral numerically, with no hypergeometric function involved.
    """
    r, alpha, a, b = params
    log_alive = special.betaln(a, b + x)
    log_dead = special.betaln(a + 1, b + x - 1) + (r + x) * math.log((alpha + big_t) / (alpha + t_x)) if x else -np.inf
    log_norm = np.logaddexp(log_alive, log_dead)

    def integrand(p: float) -> float:
        gone = -math.expm1(-(r + x) * math.log1p(p * horizon / (alpha + big_t)))
        return math.exp((a - 2) * math.log(p) + (b + x - 1) * math.log1p(-p) - log_alive) * gone

    given_alive = integrate.quad(integrand, 0, 1, epsabs=0, epsrel=1e-11, limit=500)[0]
    return math.exp(log_alive - log_norm), given_alive * math.exp(log_alive - log_norm)


@pytest.mark.parametrize(
    ("params", "customer"),
    [
        (CDNOW_PARAMS, (2, 30.43, 38.86, 39)),
        (CDNOW_PARAMS, (0, 0, 20, 39)),
        ((1.5, 30.0, 2.5, 4.0), (7, 300, 400, 365)),
        ((0.8, 12.0, 0.6, 1.5), (150, 350, 360, 365)),
        ((0.5, 2.0, 1.0, 1.5), (3, 30, 60, 365)),  # a = 1, the removable singularity
        ((0.05, 0.5, 3.5, 0.2), (700, 729, 730, 365)),
        ((5.0, 1.0, 0.2, 30), (1500, 1600, 1650, 3650)),  # the paper's form overflows here, Euler's does not
    ],
)
def test_expected_purchases_match_numeric_integration(params, customer):
    x, t_x, big_t, horizon = customer
    alive, purchases = _by_integration(params, x, t_x, big_t, horizon)
    assert clv.probability_alive(params, x, t_x, big_t)[0] == pytest.approx(alive, rel=1e-9)
    assert clv.expected_purchases(params, horizon, x, t_x, big_t)[0] == pytest.approx(purchases, rel=1e-6)


def test_expected_purchases_without_dropout_heterogeneity():
    """Huge a and b give every customer the dropout p = a/(a+b).

    Then for x = 0, E[Y(h)] = (1 - ((alpha+T)/(alpha+T+p h))^r) / p: the gamma posterior of lambda integrated by hand.
    """
    r, alpha, a, b = 0.22, 31.86, 114808.8, 770050.7
    p = a / (a + b)
    by_hand = (1 - ((alpha + 380) / (alpha + 380 + p * 365)) ** r) / p
    assert clv.expected_purchases([r, alpha, a, b], 365, 0, 0, 380)[0] == pytest.approx(by_hand, rel=1e-4)


def test_expected_average_value_worked_by_hand():
    # p = 6, q = 4, gamma = 15: x = 2, m = 20 gives 6 (15 + 40) / (12 + 4 - 1) = 22; x = 0 gives 6 * 15 / 3 = 30.
    values = clv.expected_average_value([6, 4, 15], [2, 0, 3], [20, 0, -5])
    assert values[:2].tolist() == pytest.approx([22.0, 30.0])
    assert math.isnan(values[2])  # returns made the mean repeat value negative: outside the model


def test_discounted_clv_worked_by_hand():
    params, customer = CDNOW_PARAMS, (2, 30.43, 38.86)
    in_a_year = clv.expected_purchases(params, 52, *customer)[0]
    undiscounted = clv.discounted_clv(params, *customer, 10.0, horizon=52, annual_discount_rate=0, units_per_year=52)
    assert undiscounted[0] == pytest.approx(10 * in_a_year, rel=1e-12)
    # One monthly step: everything is discounted from the month's end.
    month = 52 / 12
    one_step = clv.discounted_clv(params, *customer, 10.0, horizon=month, annual_discount_rate=0.1, units_per_year=52)
    in_a_month = clv.expected_purchases(params, month, *customer)[0]
    assert one_step[0] == pytest.approx(10 * in_a_month / 1.1 ** (1 / 12), rel=1e-12)
    # Twelve steps: every discount factor lies between 1/1.1 and 1.
    discounted = clv.discounted_clv(params, *customer, 10.0, horizon=52, annual_discount_rate=0.1, units_per_year=52)
    assert 10 * in_a_year / 1.1 < discounted[0] < 10 * in_a_year


@pytest.mark.parametrize("model", ["bg_nbd", "gamma_gamma"])
def test_gradients_match_finite_differences(model):
    rng = np.random.default_rng(3)
    if model == "bg_nbd":
        x = rng.integers(0, 8, 50).astype(float)
        big_t = rng.uniform(5, 40, 50)
        t_x = np.where(x > 0, big_t * rng.uniform(0, 1, 50), 0)
        params = np.array([0.6, 4.0, 0.8, 2.5])

        def function(p):
            return clv.bg_nbd_log_likelihood(p, x, t_x, big_t)
    else:
        x = rng.integers(1, 8, 50).astype(float)
        m = rng.uniform(5, 60, 50)
        params = np.array([6.0, 3.7, 15.0])

        def function(p):
            return clv.gamma_gamma_log_likelihood(p, x, m)

    numeric = optimize.approx_fprime(params, lambda p: function(p)[0].sum(), 1e-7)
    np.testing.assert_allclose(function(params)[1].sum(axis=1), numeric, rtol=1e-5)


# --- simulation: parameter recovery ------------------------------------------------------------------

TRUE_BG_NBD = (0.25, 30.0, 0.8, 2.5)  # days
TRUE_GAMMA_GAMMA = (6.0, 3.7, 15.0)
# Relative standard deviations of the estimates measured over 40 simulated data sets of 20,000 customers
# (docs/clv.md), scaled to this test's 50,000 customers by sqrt(20/50); the tolerance is 4 of them.
RECOVERY_TOLERANCE = {"r": 0.045, "alpha": 0.075, "a": 0.16, "b": 0.20, "p": 0.12, "q": 0.06, "gamma": 0.18}
CHI2_999 = {4: stats.chi2.ppf(0.999, 4), 3: stats.chi2.ppf(0.999, 3)}


@pytest.fixture(scope="module")
def simulated() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2024)
    big_t = rng.integers(1, 731, 50_000).astype(float)
    x, t_x = clv.simulate_bg_nbd(TRUE_BG_NBD, big_t, rng)
    return {"x": x, "t_x": t_x, "t": big_t, "m": clv.simulate_gamma_gamma(TRUE_GAMMA_GAMMA, x, rng)}


def test_bg_nbd_recovers_simulated_parameters(simulated):
    x, t_x, big_t = simulated["x"], simulated["t_x"], simulated["t"]
    fit = clv.fit_bg_nbd(x, t_x, big_t)
    assert fit.converged, fit.message
    for name, true in zip(clv.BG_NBD_PARAMS, TRUE_BG_NBD, strict=True):
        assert fit.params[name] == pytest.approx(true, rel=RECOVERY_TOLERANCE[name]), name
    # Wilks: 2 (ll(estimate) - ll(truth)) ~ chi2(4) when simulator and likelihood agree; a wrong
    # likelihood term shows up here long before it moves the parameters out of tolerance.
    at_truth = clv.bg_nbd_log_likelihood(TRUE_BG_NBD, x, t_x, big_t)[0].sum()
    assert 0 <= 2 * (fit.log_likelihood - at_truth) < CHI2_999[4]


def test_gamma_gamma_recovers_simulated_parameters(simulated):
    fit = clv.fit_gamma_gamma(simulated["x"], simulated["m"])
    assert fit.converged, fit.message
    for name, true in zip(clv.GAMMA_GAMMA_PARAMS, TRUE_GAMMA_GAMMA, strict=True):
        assert fit.params[name] == pytest.approx(true, rel=RECOVERY_TOLERANCE[name]), name
    repeat = simulated["x"] > 0
    at_truth = clv.gamma_gamma_log_likelihood(TRUE_GAMMA_GAMMA, simulated["x"][repeat], simulated["m"][repeat])
    assert 0 <= 2 * (fit.log_likelihood - at_truth[0].sum()) < CHI2_999[3]


def test_identical_customers_count_by_weight(simulated):
    """Aggregation is exact: two copies of every customer give the same estimates and twice the log-likelihood."""
    sample = slice(0, 5000)
    once = clv.fit_bg_nbd(simulated["x"][sample], simulated["t_x"][sample], simulated["t"][sample])
    twice = clv.fit_bg_nbd(*(np.tile(simulated[k][sample], 2) for k in ("x", "t_x", "t")))
    assert twice.params == pytest.approx(once.params, rel=1e-5)
    assert twice.log_likelihood == pytest.approx(2 * once.log_likelihood, rel=1e-9)


# --- refusals ----------------------------------------------------------------------------------------


def test_too_few_repeat_customers_publishes_no_numbers(simulated):
    x, t_x, big_t, m = (simulated[k][:300] for k in ("x", "t_x", "t", "m"))
    fit = clv.fit_bg_nbd(x, t_x, big_t)
    repeat = int(np.count_nonzero(x))
    assert repeat < clv.DEFAULT_MIN_REPEAT_CUSTOMERS
    assert fit.status == "too_few_repeat_customers" and not fit.converged
    assert fit.params == {} and fit.log_likelihood is None
    assert f"{repeat} repeat customers of 300" in fit.message
    gamma_gamma = clv.fit_gamma_gamma(x, m, min_repeat_customers=10)
    assert gamma_gamma.converged
    with pytest.raises(clv.FitNotUsable, match="bg_nbd fit is too_few_repeat_customers"):
        clv.score(x, t_x, big_t, m, fit, gamma_gamma)
    assert clv.fit_bg_nbd(x, t_x, big_t, min_repeat_customers=repeat).converged


def test_a_parameter_without_evidence_is_reported_degenerate():
    """Everyone bought again on the last day: nothing speaks of dropout, so a or b runs off to a bound."""
    x = np.repeat([1.0, 2.0, 3.0], 100)
    big_t = np.tile(np.linspace(10, 100, 100), 3)
    fit = clv.fit_bg_nbd(x, big_t, big_t)
    assert fit.status == "degenerate", fit
    assert fit.params == {} and "ran to a bound" in fit.message


def test_dropout_without_heterogeneity_is_reported_degenerate():
    """Every customer drops out with p = 0.4: a and b grow without bound, and the message says so.

    (With other seeds the estimates stay finite, e.g. a = 315, b = 471: sampling noise mimics heterogeneity.)
    """
    rng = np.random.default_rng(13)
    big_t = rng.integers(1, 731, 5000).astype(float)
    x, t_x = clv.simulate_bg_nbd((0.5, 20.0, 4e6, 6e6), big_t, rng)
    fit = clv.fit_bg_nbd(x, t_x, big_t)
    assert fit.status == "degenerate" and fit.params == {}
    assert "no heterogeneity" in fit.message
    share = float(re.search(r"p = a/\(a\+b\) = ([0-9.]+)", fit.message).group(1))
    assert share == pytest.approx(0.4, abs=0.02)


def test_an_optimiser_that_stops_early_is_reported(simulated, monkeypatch):
    monkeypatch.setattr(clv, "_MAX_ITERATIONS", 2)
    fit = clv.fit_bg_nbd(simulated["x"], simulated["t_x"], simulated["t"])
    assert fit.status == "not_converged" and fit.params == {}
    assert "largest gradient" in fit.message and "last iterate" in fit.message


def test_mean_spend_must_be_finite():
    """q <= 1 makes the population's mean spend p gamma / (q - 1) infinite: no numbers."""
    rng = np.random.default_rng(5)
    x = rng.integers(1, 5, 3000).astype(float)
    m = clv.simulate_gamma_gamma((2.0, 0.6, 10.0), x, rng)
    fit = clv.fit_gamma_gamma(x, m)
    assert fit.status == "degenerate" and "infinite" in fit.message and fit.params == {}


def test_parameter_drift_names_what_moved():
    previous = clv.FitResult(
        "bg_nbd", "converged", "", {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}, time_unit="weeks"
    )
    current = clv.FitResult("bg_nbd", "converged", "", {"r": 0.25, "alpha": 9.0, "a": 0.3, "b": 2.4}, time_unit="weeks")
    assert clv.parameter_drift(previous, current) == [
        "bg_nbd alpha moved from 4.4 to 9 (x2)",
        "bg_nbd a moved from 0.79 to 0.3 (x0.38)",
    ]
    assert clv.parameter_drift(previous, current, max_ratio=3) == []
    in_days = clv.FitResult("bg_nbd", "converged", "", current.params, time_unit="days")
    assert clv.parameter_drift(previous, in_days) == ["bg_nbd: time unit changed from weeks to days"]
    refused = clv.FitResult("bg_nbd", "too_few_repeat_customers", "")
    assert clv.parameter_drift(refused, current) == []


@pytest.mark.parametrize(
    ("frequency", "recency", "t", "message"),
    [
        ([0, 2], [0, 9], [5, 8], "row 1: column recency must be <= t"),
        ([0, 1.5], [0, 3], [5, 8], "row 1: column frequency must be a whole number"),
        ([3, 0], [2, 1], [5, 8], "row 1: column recency must be 0 when frequency is 0"),
        ([1, 1], [2, float("nan")], [5, 8], "row 1: column recency is nan"),
    ],
)
def test_bad_summaries_name_row_and_column(frequency, recency, t, message):
    with pytest.raises(clv.ClvInputError, match=message):
        clv.fit_bg_nbd(frequency, recency, t)


@pytest.mark.parametrize(
    "bad",
    [
        {"time_unit": "months"},
        {"horizons_days": (30, 0)},
        {"horizons_days": ()},
        {"clv_horizon_days": 1.5},
        {"annual_discount_rate": -0.1},
        {"min_repeat_customers": 0},
    ],
)
def test_settings_are_checked(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        clv.ClvSettings(**bad)


def test_score_columns_follow_the_settings(cdnow):
    args = (cdnow["frequency"], cdnow["recency"], cdnow["t"])
    weeks = clv.fit_bg_nbd(*args, time_unit="weeks")
    gamma_gamma = clv.fit_gamma_gamma(cdnow["frequency"], cdnow["monetary_value"])
    settings = clv.ClvSettings(time_unit="weeks", horizons_days=(7, 273), clv_horizon_days=730, annual_discount_rate=0)
    scores = clv.score(*args, cdnow["monetary_value"], weeks, gamma_gamma, settings)
    assert list(scores) == [
        "probability_alive",
        "expected_purchases_7d",
        "expected_purchases_273d",
        "expected_average_value",
        "clv_amount",
    ]
    # Customer 1 of the paper (x = 2, t_x = 30.43, T = 38.86): 273 days are the spreadsheet's 39 weeks.
    first = 0
    params = weeks.require()
    expected = clv.expected_purchases(params, 39, 2, cdnow["recency"][first] / 7, cdnow["t"][first] / 7)[0]
    assert scores["expected_purchases_273d"][first] == pytest.approx(expected, rel=1e-12)
    two_years = clv.expected_purchases(params, 730 / 7, 2, cdnow["recency"][first] / 7, cdnow["t"][first] / 7)[0]
    value = scores["expected_average_value"][first]
    assert scores["clv_amount"][first] == pytest.approx(value * two_years, rel=1e-9)
    with pytest.raises(ValueError, match="fit is in weeks"):
        clv.score(*args, cdnow["monetary_value"], weeks, gamma_gamma, clv.ClvSettings(time_unit="days"))
