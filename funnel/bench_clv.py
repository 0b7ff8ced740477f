"""CLV benchmark: fit BG/NBD and Gamma-Gamma and score a simulated customer base; figures go to benchmarks/clv.md.

Run with `.venv/bin/python -m funnel.bench_clv --customers 1000000`. Customers are simulated from known
parameters with whole-day recency and age up to two years, as `customer_lifetime_summary` gives them.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from datetime import UTC, datetime

import numpy as np
import scipy

from funnel import clv
from funnel.contract import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "benchmarks" / "clv.md"
TRUE_BG_NBD = (0.25, 30.0, 0.8, 2.5)
TRUE_GAMMA_GAMMA = (6.0, 3.7, 15.0)


def simulate(customers: int, seed: int) -> dict[str, np.ndarray]:
    """A lifetime summary in whole days (ages 1 to 730 days) and mean repeat values rounded to cents."""
    rng = np.random.default_rng(seed)
    age = rng.integers(1, 731, customers).astype(np.float64)
    x, t_x = clv.simulate_bg_nbd(TRUE_BG_NBD, age, rng)
    recency = np.where(x > 0, np.clip(np.ceil(t_x), 1, age), 0.0)
    value = np.round(clv.simulate_gamma_gamma(TRUE_GAMMA_GAMMA, x, rng), 2)
    # A repeat value rounded to 0.00 would be left out of the Gamma-Gamma fit; keep every customer in it.
    value = np.where(x > 0, np.maximum(value, 0.01), 0.0)
    return {"frequency": x, "recency": recency, "t": age, "monetary_value": value}


def run(customers: int, seed: int) -> dict:
    """Time each step once; returns the figures."""
    data = simulate(customers, seed)
    timings: dict[str, tuple[float, float]] = {}

    def timed(name, fn):
        started, cpu = time.perf_counter(), time.process_time()
        value = fn()
        timings[name] = (time.perf_counter() - started, time.process_time() - cpu)
        return value

    # fit_bg_nbd and score aggregate by themselves; this line shows how much of their time that is.
    aggregated = timed("aggregate", lambda: clv.aggregate(data["frequency"], data["recency"], data["t"]))
    bg = timed("fit BG/NBD", lambda: clv.fit_bg_nbd(data["frequency"], data["recency"], data["t"]))
    gg = timed("fit Gamma-Gamma", lambda: clv.fit_gamma_gamma(data["frequency"], data["monetary_value"]))
    timed("score", lambda: clv.score(data["frequency"], data["recency"], data["t"], data["monetary_value"], bg, gg))
    return {
        "customers": customers,
        "distinct": len(aggregated[1]),
        "repeat": bg.n_repeat_customers,
        "timings": timings,
        "bg": bg,
        "gg": gg,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def render(result: dict) -> str:
    """benchmarks/clv.md."""
    load = os.getloadavg()[0]
    lines = [
        "# CLV benchmark",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores "
        f"(load average {load:.1f} at the end), Python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}; `python -m funnel.bench_clv` wrote this file.",
        "",
        f"{result['customers']:,} simulated customers ({result['repeat']:,} repeat customers), "
        f"{result['distinct']:,} distinct (frequency, recency, T) rows after aggregation; "
        f"peak memory {result['peak_mb']:,.0f} MB.",
        "",
        "Wall time depends on what else runs on the shared machine; CPU time (this process) much less so.",
        "",
        "| step | wall s | CPU s |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {wall:.1f} | {cpu:.1f} |" for name, (wall, cpu) in result["timings"].items()]
    lines += ["", "| model | parameter | true | estimate |", "|---|---|---|---|"]
    for fit, names, truth in (
        (result["bg"], clv.BG_NBD_PARAMS, TRUE_BG_NBD),
        (result["gg"], clv.GAMMA_GAMMA_PARAMS, TRUE_GAMMA_GAMMA),
    ):
        lines += [
            f"| {fit.model} | {name} | {true:g} | {fit.params.get(name, float('nan')):.4g} |"
            for name, true in zip(names, truth, strict=True)
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"CLV: simulating, fitting and scoring {args.customers:,} customers...", flush=True)
    result = run(args.customers, args.seed)
    for name, (wall, cpu) in result["timings"].items():
        print(f"  {name}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(render(result), encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
