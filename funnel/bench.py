"""Benchmarks: generate, load and build at several scales in one run; figures go to benchmarks/results.md.

Run with `make bench` (default scales 0.1 and 1) or `make bench ARGS="--scales 0.1,1,10"`. Timings on
these shared 2-core machines are noisy, so the report gives ratios measured within the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from funnel import generate, ingest, transform, warehouse
from funnel import settings as config
from funnel.contract import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "benchmarks" / "results.md"


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def run_scale(scale: float, days: int, workdir: Path) -> dict:
    extracts = workdir / f"extracts-{scale}"
    settings = config.Settings(
        workdir / f"warehouse-{scale}", "Europe/Budapest", os.environ.get("FUNNEL_MEMORY_LIMIT", "4GB")
    )
    summary, gen_s = _timed(
        lambda: generate.generate(extracts, days=days, scale=scale, seed=7, end_date=date(2026, 10, 31))
    )
    rows = sum(summary.rows.values())

    def load_all() -> int:
        with warehouse.connect(settings) as con:
            warehouse.ensure_raw_schema(con)
            return sum(
                ingest.load_batch(con, b, timezone=settings.timezone, workdir=settings.temp_dir).rows_loaded
                for b in ingest.discover_batches(extracts)
            )

    loaded, load_s = _timed(load_all)
    _, reload_s = _timed(load_all)  # every batch unchanged: the idempotence check alone
    dbt_summary, build_s = _timed(lambda: transform.run_dbt(["build"], settings, echo=None))
    size_mb = settings.db_path.stat().st_size / 1e6
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        receipt_lines = con.execute("select count(*) from raw.pos__receipt_lines").fetchone()[0]
    return {
        "scale": scale,
        "days": days,
        "batches": len(summary.batches),
        "rows": rows,
        "loaded": loaded,
        "receipt_lines": receipt_lines,
        "generate_s": gen_s,
        "load_s": load_s,
        "reload_s": reload_s,
        "build_s": build_s,
        "models": dbt_summary.count("model"),
        "db_mb": size_mb,
    }


def render(results: list[dict]) -> str:
    base = results[0]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}; `make bench` wrote this file.",
        "",
        "| scale | days | batches | rows written | receipt lines | generate s | load s | load rows/s "
        "| re-load (no-op) s | dbt build s | models | db MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['scale']} | {r['days']} | {r['batches']} | {r['rows']:,} | {r['receipt_lines']:,} "
            f"| {r['generate_s']:.1f} | {r['load_s']:.1f} | {r['loaded'] / r['load_s']:,.0f} "
            f"| {r['reload_s']:.1f} "
            f"| {r['build_s']:.1f} | {r['models']} | {r['db_mb']:.0f} |"
        )
    lines += ["", "Ratios against the smallest scale, measured in this run:", ""]
    lines += [
        "| scale | rows × | generate time × | load time × | dbt build time × |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['scale']} | {r['rows'] / base['rows']:.1f} | {r['generate_s'] / base['generate_s']:.1f} "
            f"| {r['load_s'] / base['load_s']:.1f} | {r['build_s'] / base['build_s']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="0.1,1", help="comma-separated scale factors")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--keep", action="store_true", help="keep the generated data and warehouses")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="funnel-bench-"))
    try:
        results = []
        for scale in (float(s) for s in args.scales.split(",")):
            print(f"scale {scale}: generating, loading and building {args.days} days...", flush=True)
            results.append(run_scale(scale, args.days, workdir))
            print(results[-1], flush=True)
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(render(results), encoding="utf-8")
        print(f"wrote {RESULTS}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
