"""Predictive customer lifetime value: BG/NBD and Gamma-Gamma fitted by maximum likelihood.

BG/NBD: Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the
Pareto/NBD Model", Marketing Science 24(2). Gamma-Gamma: Fader, Hardie and Lee (2005), "RFM and CLV:
Using Iso-Value Curves for Customer Base Analysis", Journal of Marketing Research 42(4), as written
out in Fader and Hardie (2013), "The Gamma-Gamma Model of Monetary Value". Formulas, settings and the
choice against pymc-marketing: docs/clv.md.

Inputs follow `retention.customer_lifetime_summary`: frequency = repeat purchase days, recency and t
in days, monetary_value = mean net amount of the repeat purchase days. The model's time unit (days or
weeks) only rescales recency and t; horizons are always given in days.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

Array = NDArray[np.float64]
TimeUnit = Literal["days", "weeks"]
Status = Literal["converged", "not_converged", "degenerate", "too_few_repeat_customers"]

DAYS_PER_UNIT: dict[str, float] = {"days": 1.0, "weeks": 7.0}
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
BG_NBD_PARAMS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMS = ("p", "q", "gamma")

# Fewer repeat customers than this and no numbers are published: in simulations (docs/clv.md) fits on
# about 100 repeat customers sometimes ran off to a bound, and the total 1-year forecast erred by 9% (sd).
DEFAULT_MIN_REPEAT_CUSTOMERS = 200

# Parameters are optimised on the log scale within [1e-6, 1e6]; an optimum on a bound means the data do
# not identify that parameter.
_LOG_BOUND = math.log(1e6)
_MAX_ITERATIONS = 2000
# Largest |gradient| of the mean log-likelihood per customer (in log-parameters) accepted at an optimum.
_GRADIENT_TOLERANCE = 1e-4


class ClvInputError(ValueError):
    """A customer summary that breaks the model's input rules (names the row and column)."""


class FitNotUsable(RuntimeError):
    """Numbers were asked of a fit that did not converge or was refused."""


@dataclass(frozen=True)
class FitResult:
    """One model fit: parameters only when it converged, and why not otherwise."""

    model: str
    status: Status
    message: str
    params: dict[str, float] = field(default_factory=dict)
    log_likelihood: float | None = None
    n_customers: int = 0
    n_repeat_customers: int = 0
    as_of_date: date | None = None
    time_unit: str | None = None
    iterations: int = 0

    @property
    def converged(self) -> bool:
        """True when the parameters may be used for numbers."""
        return self.status == "converged"

    def require(self) -> list[float]:
        """The parameter values in the model's order, or FitNotUsable with the reason."""
        if not self.converged:
            raise FitNotUsable(f"{self.model} fit is {self.status}: {self.message}")
        return list(self.params.values())


@dataclass(frozen=True)
class ClvSettings:
    """Settings of a CLV run; each can be changed on its own."""

    time_unit: TimeUnit = "days"
    horizons_days: tuple[int, ...] = (30, 90, 365)
    clv_horizon_days: int = 365
    annual_discount_rate: float = 0.10
    min_repeat_customers: int = DEFAULT_MIN_REPEAT_CUSTOMERS

    def __post_init__(self) -> None:
        def whole(value: object) -> bool:
            return isinstance(value, int) and not isinstance(value, bool) and value >= 1

        if self.time_unit not in DAYS_PER_UNIT:
            raise ValueError(f"time_unit must be one of {sorted(DAYS_PER_UNIT)}, got {self.time_unit!r}")
        if not self.horizons_days or not all(whole(h) for h in self.horizons_days):
            raise ValueError(f"horizons_days must be positive whole numbers of days, got {self.horizons_days!r}")
        if not whole(self.clv_horizon_days):
            raise ValueError(f"clv_horizon_days must be a positive whole number, got {self.clv_horizon_days!r}")
        rate = self.annual_discount_rate
        if not (isinstance(rate, int | float) and math.isfinite(rate) and 0 <= rate < 10):
            raise ValueError(f"annual_discount_rate must be a number in [0, 10), got {rate!r}")
        if not whole(self.min_repeat_customers):
            raise ValueError(f"min_repeat_customers must be a positive whole number, got {self.min_repeat_customers!r}")


# --- input checks and aggregation ------------------------------------------------------------------


def _column(values: ArrayLike, name: str) -> Array:
    """A finite float column, or ClvInputError naming the first bad row."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ClvInputError(f"column {name}: expected one value per customer, got shape {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ClvInputError(f"row {bad[0]}: column {name} is {array[bad[0]]}, expected a finite number")
    return array


def check_summary(frequency: ArrayLike, recency: ArrayLike, t: ArrayLike) -> tuple[Array, Array, Array]:
    """Frequency, recency and t as arrays, checked against the lifetime summary's rules."""
    x, t_x, age = _column(frequency, "frequency"), _column(recency, "recency"), _column(t, "t")
    if not (x.size == t_x.size == age.size):
        raise ClvInputError(f"frequency, recency and t differ in length: {x.size}, {t_x.size}, {age.size}")
    rules = (
        ((x < 0) | (x != np.floor(x)), "frequency", "a whole number >= 0"),
        (t_x < 0, "recency", ">= 0"),
        (t_x > age, "recency", "<= t"),
        ((x == 0) & (t_x != 0), "recency", "0 when frequency is 0"),
    )
    for mask, name, expected in rules:
        bad = np.flatnonzero(mask)
        if bad.size:
            row = int(bad[0])
            values = f"frequency {x[row]:g}, recency {t_x[row]:g}, t {age[row]:g}"
            raise ClvInputError(f"row {row}: column {name} must be {expected} ({values})")
    return x, t_x, age


def aggregate(*columns: Array) -> tuple[list[Array], Array, NDArray[np.intp]]:
    """Identical rows collapsed: (the unique rows' columns, their counts, each input row's unique row)."""
    order = np.lexsort(columns[::-1])
    ordered = [column[order] for column in columns]
    starts = np.ones(order.size, dtype=bool)
    for column in ordered:
        starts[1:] &= column[1:] == column[:-1]
    starts = ~starts
    starts[:1] = True
    group = np.cumsum(starts) - 1
    inverse = np.empty(order.size, dtype=np.intp)
    inverse[order] = group
    return [column[starts] for column in ordered], np.bincount(group).astype(np.float64), inverse


# --- BG/NBD ------------------------------------------------------------------------------------------


def _log_odds_dead(params: Sequence[float], x: Array, t_x: Array, t: Array) -> Array:
    """log[a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)], the log-odds of 'dropped out' against 'alive'; -inf at x = 0."""
    r, alpha, a, b = params
    repeat = x > 0
    log_odds = np.full(x.shape, -np.inf)
    xr = x[repeat]
    log_odds[repeat] = (
        math.log(a) - np.log(b + xr - 1) + (r + xr) * (np.log(alpha + t[repeat]) - np.log(alpha + t_x[repeat]))
    )
    return log_odds


def _bg_nbd_objective(x: Array, t_x: Array, t: Array) -> Callable[[Sequence[float]], tuple[Array, Array]]:
    """Per-row log-likelihood and gradient of BG/NBD; functions of x alone are computed once per distinct x."""
    x_values, x_index = np.unique(x, return_inverse=True)
    x_index = x_index.reshape(-1)
    repeat = x > 0

    def log_likelihood(params: Sequence[float]) -> tuple[Array, Array]:
        r, alpha, a, b = params
        # Terms in x alone: one evaluation per distinct frequency.
        by_x = np.stack(
            [
                special.gammaln(r + x_values) + special.betaln(a, b + x_values),
                special.digamma(r + x_values),
                special.digamma(a + b + x_values),
                special.digamma(b + x_values),
            ]
        )[:, x_index]
        log_alpha_t, log_alpha_tx = np.log(alpha + t), np.log(alpha + t_x)
        log_odds = _log_odds_dead(params, x, t_x, t)
        # FHL 2005 eq. 6: L = Gamma(r+x) alpha^r B(a, b+x) / (Gamma(r) B(a, b) (alpha+T)^(r+x)) (1 + e^log_odds)
        # for x > 0; log(1 + e^log_odds) by logaddexp, so that neither term of the sum overflows.
        ll = (
            by_x[0]
            - special.gammaln(r)
            + r * math.log(alpha)
            - special.betaln(a, b)
            - (r + x) * log_alpha_t
            + np.logaddexp(0.0, log_odds)
        )
        dead = special.expit(log_odds)  # posterior weight of the second term; 0 when x = 0
        inv_b_x_1 = np.divide(1.0, b + x - 1, out=np.zeros_like(x), where=repeat)
        grad = np.empty((4, x.size))
        grad[0] = by_x[1] - special.digamma(r) + math.log(alpha) - log_alpha_t + dead * (log_alpha_t - log_alpha_tx)
        grad[1] = r / alpha - (r + x) / (alpha + t) + dead * (r + x) * (1 / (alpha + t) - 1 / (alpha + t_x))
        grad[2] = special.digamma(a + b) - by_x[2] + dead / a
        grad[3] = by_x[3] - by_x[2] - special.digamma(b) + special.digamma(a + b) - dead * inv_b_x_1
        return ll, grad

    return log_likelihood


def bg_nbd_log_likelihood(params: Sequence[float], x: ArrayLike, t_x: ArrayLike, t: ArrayLike) -> tuple[Array, Array]:
    """Per-customer BG/NBD log-likelihood (FHL 2005 eq. 6) and its gradient in (r, alpha, a, b), shape (4, n)."""
    columns = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (x, t_x, t))
    return _bg_nbd_objective(*columns)(params)


def probability_alive(params: Sequence[float], x: ArrayLike, t_x: ArrayLike, t: ArrayLike) -> Array:
    """P(alive | x, t_x, T) = 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)) for x > 0, and 1 for x = 0."""
    x, t_x, t = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (x, t_x, t))
    return special.expit(-_log_odds_dead(params, x, t_x, t))


def _purchases_if_alive(params: Sequence[float], horizon: float, x: Array, t: Array) -> Array:
    """E[Y(horizon) | alive at T, x, T]: FHL 2005 eq. 10 without its P(alive) factor; depends on x and T only."""
    r, alpha, a, b = params
    if horizon == 0:
        return np.zeros(x.shape)
    # a = 1 is a removable singularity of (a+b+x-1)/(a-1) (1 - ...): step off it.
    if abs(a - 1) < 1e-7:
        a = 1 + math.copysign(1e-7, a - 1)
    z = horizon / (alpha + t + horizon)
    c = a + b + x - 1
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        # Euler's transformation turns the paper's ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; c; z) into
        # (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z), whose small upper arguments keep hyp2f1 finite for large x.
        # With huge a and b (dropout without heterogeneity) that form overflows and the paper's does not.
        tail = np.exp((a - 1) * np.log1p(-z)) * special.hyp2f1(a + b - 1 - r, a - 1, c, z)
        paper = ~np.isfinite(tail)
        if paper.any():
            xp, zp = x[paper], z[paper]
            tail[paper] = np.exp((r + xp) * np.log1p(-zp)) * special.hyp2f1(r + xp, b + xp, c[paper], zp)
    return c / (a - 1) * (1 - tail)


def expected_purchases(params: Sequence[float], horizon: float, x: ArrayLike, t_x: ArrayLike, t: ArrayLike) -> Array:
    """E[Y(horizon) | x, t_x, T], the expected purchases in the next `horizon` (FHL 2005 eq. 10)."""
    x, t_x, t = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (x, t_x, t))
    return _purchases_if_alive(params, horizon, x, t) * probability_alive(params, x, t_x, t)


def expected_purchases_new_customer(params: Sequence[float], horizon: ArrayLike) -> Array:
    """E[X(t)], the expected repeat purchases of a customer in their first `horizon` (FHL 2005 eq. 7)."""
    # Eq. 7 is eq. 10 for a live customer of age 0 without repeat purchases.
    none = np.zeros(1)
    return np.array([_purchases_if_alive(params, float(h), none, none)[0] for h in np.atleast_1d(horizon)])


# --- Gamma-Gamma -------------------------------------------------------------------------------------


def _gamma_gamma_objective(x: Array, m: Array) -> Callable[[Sequence[float]], tuple[Array, Array]]:
    """Per-row Gamma-Gamma log-likelihood and gradient for x > 0, m > 0."""
    log_m, log_x = np.log(m), np.log(x)
    mx = m * x

    def log_likelihood(params: Sequence[float]) -> tuple[Array, Array]:
        p, q, gamma = params
        px = p * x
        log_gamma_mx = np.log(gamma + mx)
        psi_pxq = special.digamma(px + q)
        # Fader and Hardie 2013 eq. 3: f(m_x | p, q, gamma; x)
        # = Gamma(px+q) / (Gamma(px) Gamma(q)) gamma^q m_x^(px-1) x^px / (gamma + m_x x)^(px+q).
        ll = (
            special.gammaln(px + q)
            - special.gammaln(px)
            - special.gammaln(q)
            + q * math.log(gamma)
            + (px - 1) * log_m
            + px * log_x
            - (px + q) * log_gamma_mx
        )
        grad = np.empty((3, x.size))
        grad[0] = x * (psi_pxq - special.digamma(px) + log_m + log_x - log_gamma_mx)
        grad[1] = psi_pxq - special.digamma(q) + math.log(gamma) - log_gamma_mx
        grad[2] = q / gamma - (px + q) / (gamma + mx)
        return ll, grad

    return log_likelihood


def gamma_gamma_log_likelihood(params: Sequence[float], x: ArrayLike, m: ArrayLike) -> tuple[Array, Array]:
    """Per-customer Gamma-Gamma log-likelihood of the mean repeat value m (x > 0, m > 0) and its gradient."""
    columns = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (x, m))
    return _gamma_gamma_objective(*columns)(params)


def expected_average_value(params: Sequence[float], x: ArrayLike, m: ArrayLike) -> Array:
    """E[M | p, q, gamma, m_x, x] = p (gamma + m_x x) / (p x + q - 1); the population mean p gamma / (q-1) at x = 0.

    A repeat customer whose mean repeat value is not positive (returns) is outside the model: NaN.
    """
    p, q, gamma = params
    x, m = np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64)
    value = p * (gamma + np.where(x > 0, m, 0.0) * x) / (p * x + q - 1)
    return np.where((x > 0) & (m <= 0), np.nan, value)


# --- fitting -----------------------------------------------------------------------------------------


def _maximise(
    model: str,
    names: tuple[str, ...],
    log_likelihood: Callable[[Sequence[float]], tuple[Array, Array]],
    start: Sequence[float],
    weights: Array,
    **common,
) -> FitResult:
    """Maximise a weighted log-likelihood over log-parameters; parameters are published only at a true optimum."""
    total = weights.sum()

    def objective(log_params: Array) -> tuple[float, Array]:
        params = np.exp(log_params)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            ll, grad = log_likelihood(params)
            value = -(weights @ ll) / total
            gradient = -(grad @ weights) * params / total
        if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
            return 1e300, np.zeros_like(log_params)
        return float(value), gradient

    result = optimize.minimize(
        objective,
        np.log(start),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * len(start),
        options={"maxiter": _MAX_ITERATIONS, "ftol": 1e-15, "gtol": 1e-10},
    )
    value, gradient = objective(result.x)
    params = dict(zip(names, np.exp(result.x).tolist(), strict=True))
    shown = ", ".join(f"{k}={v:.6g}" for k, v in params.items())
    largest = float(np.max(np.abs(gradient)))
    common |= {"iterations": int(result.nit)}
    at_bound = [k for k, v in zip(names, result.x, strict=True) if abs(abs(v) - _LOG_BOUND) < 1e-3]
    if at_bound:
        reason = f"{', '.join(at_bound)} ran to a bound of [1e-6, 1e6]: the data do not identify it"
        if model == "bg_nbd" and min(params["a"], params["b"]) > 1e4:
            share = params["a"] / (params["a"] + params["b"])
            reason += f" (every customer seems to drop out alike, with p = a/(a+b) = {share:.3g}: no heterogeneity)"
        return FitResult(model, "degenerate", f"{reason}; last iterate {shown}", **common)
    if value >= 1e300 or largest > _GRADIENT_TOLERANCE:
        reason = f"{result.message} (largest gradient {largest:.2g} after {result.nit} iterations)"
        return FitResult(model, "not_converged", f"{reason}; last iterate {shown}", **common)
    message = f"converged in {result.nit} iterations"
    return FitResult(model, "converged", message, params, -value * float(total), **common)


def fit_bg_nbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    t: ArrayLike,
    *,
    time_unit: TimeUnit = "days",
    as_of_date: date | None = None,
    min_repeat_customers: int = DEFAULT_MIN_REPEAT_CUSTOMERS,
) -> FitResult:
    """Fit BG/NBD by maximum likelihood on a lifetime summary (recency and t in days)."""
    x, t_x, age = check_summary(frequency, recency, t)
    repeat = int(np.count_nonzero(x))
    common = {"n_customers": x.size, "n_repeat_customers": repeat, "as_of_date": as_of_date, "time_unit": time_unit}
    if repeat < min_repeat_customers:
        message = f"{repeat} repeat customers of {x.size}, fewer than the {min_repeat_customers} required"
        return FitResult("bg_nbd", "too_few_repeat_customers", message, **common)
    (ux, utx, ut), weights, _ = aggregate(x, t_x, age)
    scale = DAYS_PER_UNIT[time_unit]
    utx, ut = utx / scale, ut / scale
    # alpha is on the time scale of the data: starting it at the mean age makes days and weeks alike.
    start = (1.0, max(float(np.average(ut, weights=weights)), 1e-3), 1.0, 1.0)
    return _maximise("bg_nbd", BG_NBD_PARAMS, _bg_nbd_objective(ux, utx, ut), start, weights, **common)


def fit_gamma_gamma(
    frequency: ArrayLike,
    monetary_value: ArrayLike,
    *,
    as_of_date: date | None = None,
    min_repeat_customers: int = DEFAULT_MIN_REPEAT_CUSTOMERS,
) -> FitResult:
    """Fit Gamma-Gamma by maximum likelihood on the repeat customers with a positive mean repeat value."""
    x, m = _column(frequency, "frequency"), _column(monetary_value, "monetary_value")
    if x.size != m.size:
        raise ClvInputError(f"frequency and monetary_value differ in length: {x.size}, {m.size}")
    used = (x > 0) & (m > 0)
    n_used, left_out = int(np.count_nonzero(used)), int(np.count_nonzero((x > 0) & (m <= 0)))
    common = {"n_customers": n_used, "n_repeat_customers": n_used, "as_of_date": as_of_date}
    left_out_note = f"{left_out} repeat customers without a positive mean repeat value left out"
    if n_used < min_repeat_customers:
        message = (
            f"{n_used} repeat customers with a positive mean repeat value, fewer than the "
            f"{min_repeat_customers} required ({left_out_note})"
        )
        return FitResult("gamma_gamma", "too_few_repeat_customers", message, **common)
    (ux, um), weights, _ = aggregate(x[used], m[used])
    start = (1.0, 1.0, float(np.average(um, weights=weights)))
    fit = _maximise("gamma_gamma", GAMMA_GAMMA_PARAMS, _gamma_gamma_objective(ux, um), start, weights, **common)
    if fit.converged and fit.params["q"] <= 1:
        message = f"q = {fit.params['q']:.4g} <= 1, so the mean spend p gamma / (q - 1) is infinite"
        return FitResult("gamma_gamma", "degenerate", message, **common, iterations=fit.iterations)
    return replace(fit, message=f"{fit.message}; {left_out_note}") if left_out else fit


def parameter_drift(previous: FitResult, current: FitResult, max_ratio: float = 2.0) -> list[str]:
    """Readable warnings for parameters that moved by more than a factor `max_ratio` since the previous fit."""
    if not (previous.converged and current.converged) or previous.model != current.model:
        return []
    if previous.time_unit != current.time_unit:
        return [f"{current.model}: time unit changed from {previous.time_unit} to {current.time_unit}"]
    warnings = []
    for name, value in current.params.items():
        before = previous.params[name]
        ratio = value / before
        if not 1 / max_ratio <= ratio <= max_ratio:
            warnings.append(f"{current.model} {name} moved from {before:.4g} to {value:.4g} (x{ratio:.2g})")
    return warnings


# --- scoring -----------------------------------------------------------------------------------------


def _discounted_purchases_if_alive(
    bg_params: Sequence[float], x: Array, t: Array, horizon: float, annual_discount_rate: float, units_per_year: float
) -> Array:
    """Expected purchases of a live customer over the horizon's monthly steps, each discounted from its end."""
    steps = max(1, round(horizon / units_per_year * 12))
    edges = horizon * np.arange(1, steps + 1) / steps
    cumulative = np.stack([np.zeros(x.size)] + [_purchases_if_alive(bg_params, float(e), x, t) for e in edges])
    discount = (1 + annual_discount_rate) ** -(edges / units_per_year)
    return discount @ np.diff(cumulative, axis=0)


def discounted_clv(
    bg_params: Sequence[float],
    x: ArrayLike,
    t_x: ArrayLike,
    t: ArrayLike,
    value: ArrayLike,
    *,
    horizon: float,
    annual_discount_rate: float,
    units_per_year: float,
) -> Array:
    """Sum over the horizon's monthly steps of value x expected purchases in the step, discounted from its end."""
    x, t_x, t = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (x, t_x, t))
    purchases = _discounted_purchases_if_alive(bg_params, x, t, horizon, annual_discount_rate, units_per_year)
    return np.asarray(value, dtype=np.float64) * probability_alive(bg_params, x, t_x, t) * purchases


def score(
    frequency: ArrayLike,
    recency: ArrayLike,
    t: ArrayLike,
    monetary_value: ArrayLike,
    bg_nbd: FitResult,
    gamma_gamma: FitResult,
    settings: ClvSettings | None = None,
) -> dict[str, Array]:
    """Per-customer numbers from two converged fits (recency and t in days); FitNotUsable otherwise.

    Columns: probability_alive, expected_purchases_<h>d for each horizon, expected_average_value (NaN for
    a repeat customer whose mean repeat value is not positive), and clv_amount, the expected revenue of the
    CLV horizon discounted to the as-of date (NaN where expected_average_value is).
    """
    settings = settings or ClvSettings()
    bg, gg = bg_nbd.require(), gamma_gamma.require()
    if bg_nbd.time_unit != settings.time_unit:
        raise ValueError(f"the BG/NBD fit is in {bg_nbd.time_unit}, the settings ask for {settings.time_unit}")
    x, t_x, age = check_summary(frequency, recency, t)
    m = _column(monetary_value, "monetary_value")
    scale = DAYS_PER_UNIT[settings.time_unit]
    # P(alive) needs (x, t_x, T); a live customer's purchases only (x, T), which repeat far more often.
    (ux, utx, ut), _, row = aggregate(x, t_x / scale, age / scale)
    (px, pt), _, pair = aggregate(ux, ut)
    alive = probability_alive(bg, ux, utx, ut)
    columns = {"probability_alive": alive[row]}
    for days in settings.horizons_days:
        columns[f"expected_purchases_{days}d"] = (_purchases_if_alive(bg, days / scale, px, pt)[pair] * alive)[row]
    value = expected_average_value(gg, x, m)
    purchases = _discounted_purchases_if_alive(
        bg, px, pt, settings.clv_horizon_days / scale, settings.annual_discount_rate, DAYS_PER_YEAR / scale
    )
    columns["expected_average_value"] = value
    columns["clv_amount"] = value * (purchases[pair] * alive)[row]
    outside_model = (x > 0) & (m <= 0)
    for name, values in columns.items():
        broken = np.flatnonzero(~np.isfinite(values) & ~outside_model)
        if broken.size:
            raise FitNotUsable(f"{name} is not finite for {broken.size} customers (first: row {broken[0]})")
    return columns


# --- simulation (tests and benchmarks) ---------------------------------------------------------------


def simulate_bg_nbd(params: Sequence[float], t: ArrayLike, rng: np.random.Generator) -> tuple[Array, Array]:
    """Draw (frequency, recency) for customers of ages t from BG/NBD with (r, alpha, a, b)."""
    r, alpha, a, b = params
    age = np.asarray(t, dtype=np.float64)
    rate = rng.gamma(r, 1 / alpha, size=age.size)
    dropout = rng.beta(a, b, size=age.size)
    # A customer who never dropped out would make N ~ Poisson(rate T) repeat purchases, spread uniformly over
    # (0, T]; the customer stops after the J-th, J ~ Geometric(p). So x = min(N, J), and t_x is the x-th of N
    # sorted uniforms, a Beta(x, N - x + 1) draw.
    purchases_if_alive = rng.poisson(rate * age)
    last_before_dropout = rng.geometric(np.clip(dropout, 1e-12, 1))
    x = np.minimum(purchases_if_alive, last_before_dropout)
    t_x = np.zeros(age.size)
    repeat = x > 0
    t_x[repeat] = age[repeat] * rng.beta(x[repeat], purchases_if_alive[repeat] - x[repeat] + 1)
    return x.astype(np.float64), t_x


def simulate_gamma_gamma(params: Sequence[float], x: ArrayLike, rng: np.random.Generator) -> Array:
    """Draw the mean repeat value of customers with x repeat purchases from Gamma-Gamma with (p, q, gamma)."""
    p, q, gamma = params
    x = np.asarray(x, dtype=np.float64)
    nu = rng.gamma(q, 1 / gamma, size=x.size)
    m = np.zeros(x.size)
    repeat = x > 0
    # The mean of x independent Gamma(p, rate nu) values is Gamma(p x, rate x nu).
    m[repeat] = rng.gamma(p * x[repeat], 1 / (x[repeat] * nu[repeat]))
    return m
