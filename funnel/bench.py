"""Benchmarks against the engine's own limit, side by side in one run; figures go to benchmarks/results.md.

    make bench                          scales 1 and 10 (a year each)
    make bench ARGS="--scales 1,10,100" scale 100 as well (hours)
    make bench ARGS="--scales 0.1"      a quick look
    make bench ARGS="--load-only --scales 10"   only the load against the bare read (benchmarks/load.md)

For each scale, one run of this script:
1. generates a year of extracts with a one-day tail (the last day is its own batch);
2. runs the main job (`funnel run`) on every batch but the last: the **full** run;
3. adds the last batch and runs again: the **one-day** run;
4. runs once more with nothing new;
5. measures the two lower bounds on the same files and data: DuckDB reading the same CSV files
   into typed tables in a database file (as the loader does, a transaction per batch; with DuckDB's
   default checkpointing, right before the full run, whose first stage is the load), and the
   compiled SQL of the same dbt models replayed in one DuckDB connection;
6. records each stage's time (from the run log), the peak memory of the whole process tree, and
   the ratios. These shared 2-core machines are noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from funnel import contract, generate, runlog
from funnel import settings as config
from funnel.project import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "benchmarks" / "results.md"
LOAD_RESULTS = PROJECT_ROOT / "benchmarks" / "load.md"
END = date(2026, 10, 31)


class PeakMemory:
    """Samples the resident memory of a process and all its descendants; keeps the peak sum."""

    def __init__(self, pid: int, every: float = 0.25) -> None:
        self.pid, self.every, self.peak = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(parent, []).append(int(entry.name))
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += children.get(pid, [])
        return tree

    def _rss(self, pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(self._rss(pid) for pid in self._tree()))
            self._stop.wait(self.every)


def _run_funnel(args: list[str], warehouse: Path) -> dict:
    """`funnel <args>` as a process; its time, exit code, peak memory and the stages it logged."""
    env = {**os.environ, "FUNNEL_WAREHOUSE": str(warehouse)}
    command = [str(Path(sys.executable).with_name("funnel")), *args]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    with PeakMemory(process.pid) as memory:
        output, _ = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"funnel {' '.join(args)} exited {process.returncode}:\n{output[-4000:]}")
    settings = config.load(warehouse)
    last = runlog.recent_runs(settings, 1)
    stages = {s["stage"]: s["duration_seconds"] for s in last[0]["stages"]} if last else {}
    return {"seconds": seconds, "peak_bytes": memory.peak, "stages": stages, "tail": output[-2000:]}


def bare_load(extracts: Path, db_path: Path) -> float:
    """DuckDB reading the same CSV files into typed tables of a database file, a transaction per batch."""
    db_path.unlink(missing_ok=True)
    with duckdb.connect(str(db_path)) as con:
        started = time.perf_counter()
        for batch in sorted(p for p in extracts.iterdir() if p.is_dir()):
            con.execute("begin")
            for path in sorted(batch.glob("*/*.csv")):
                entity = contract.entity(path.parent.name, path.stem)
                columns = ", ".join(
                    f"'{c.name}': '{'timestamptz' if c.data_type == 'timestamp' else c.data_type}'"
                    for c in entity.columns
                )
                table = f"{entity.system}__{entity.name}"
                source = f"read_csv('{path}', columns = {{{columns}}}, header = true, auto_detect = false)"
                con.execute(f"create table if not exists {table} as select * from {source} limit 0")
                con.execute(f"insert into {table} select * from {source}")
            con.execute("commit")
        return time.perf_counter() - started


def _models_in_dependency_order(manifest: dict) -> list[str]:
    """Every model of the project, each after the models it reads. (Not run_results.json's order: the
    last dbt invocation of a run, the clv stage's roll-ups, holds only its own models.)"""
    models = {uid: node for uid, node in manifest["nodes"].items() if uid.startswith("model.")}
    order: list[str] = []
    placed: set[str] = set()

    def place(uid: str) -> None:
        if uid in placed:
            return
        placed.add(uid)
        for parent in models[uid]["depends_on"]["nodes"]:
            if parent in models:
                place(parent)
        order.append(uid)

    for uid in sorted(models):
        place(uid)
    return order


def replay_models(warehouse: Path, work: Path) -> float:
    """The compiled SQL of the dbt models, run in one DuckDB connection on the loaded raw data and seeds.

    What dbt executed for each model (target/run) is replayed in dbt's own order, on a copy of the
    build database with every model dropped: the work without dbt's per-node overhead and tests.
    """
    target = warehouse / "dbt-target"
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    order = _models_in_dependency_order(manifest)
    copy = work / "replay" / "funnel.duckdb"  # the same file name: dbt's SQL names its catalog
    copy.parent.mkdir(exist_ok=True)
    shutil.copyfile(warehouse / "funnel.duckdb", copy)
    with duckdb.connect(str(copy)) as con:
        for uid in order:
            node = manifest["nodes"][uid]
            kind = "view" if node["config"]["materialized"] in ("view", "ephemeral") else "table"
            con.execute(f'drop {kind} if exists "{node["schema"]}"."{node["alias"]}" cascade')
        statements = []
        for uid in order:
            node = manifest["nodes"][uid]
            path = target / "run" / node["package_name"] / node["original_file_path"]
            if path.exists():  # dbt-duckdb builds `<name>__dbt_tmp`, then renames it in statements not kept here
                statements.append(path.read_text(encoding="utf-8").replace("__dbt_tmp", ""))
        started = time.perf_counter()
        for sql in statements:
            con.execute(sql)
        return time.perf_counter() - started


def run_scale(scale: float, days: int, work: Path) -> dict:
    source, extracts, warehouse = work / f"source-{scale}", work / f"extracts-{scale}", work / f"warehouse-{scale}"
    started = time.perf_counter()
    summary = generate.generate(source, days=days + 1, scale=scale, seed=7, end_date=END, daily_tail=1)
    generate_s = time.perf_counter() - started
    extracts.mkdir()
    *head, tail = sorted(p for p in source.iterdir() if p.is_dir())
    for batch in head:
        (extracts / batch.name).symlink_to(batch)
    result = {"scale": scale, "days": days, "rows": sum(summary.rows.values()), "generate_s": generate_s}
    # the bare read right before the full run, whose first stage is the load: side by side in time
    print(f"scale {scale}: bare read of {len(head)} batches", flush=True)
    result["bare_load_s"] = bare_load(extracts, work / f"bare-{scale}.duckdb")
    print(f"scale {scale}: full run on {len(head)} batches", flush=True)
    result["full"] = _run_funnel(["run", "--extracts", str(extracts)], warehouse)
    print(f"scale {scale}: replay of the models", flush=True)
    result["replay_s"] = replay_models(warehouse, work)
    (extracts / tail.name).symlink_to(tail)
    print(f"scale {scale}: one-day run", flush=True)
    result["one_day"] = _run_funnel(["run", "--extracts", str(extracts)], warehouse)
    print(f"scale {scale}: nothing new", flush=True)
    result["nothing_new"] = _run_funnel(["run", "--extracts", str(extracts)], warehouse)
    with duckdb.connect(str(warehouse / "funnel.duckdb"), read_only=True) as con:
        result["receipt_lines"] = con.execute("select count(*) from raw.pos__receipt_lines").fetchone()[0]
        result["one_day_rows"] = con.execute(
            "select sum(rows_read) from raw._load_log where batch_id = ?", [tail.name]
        ).fetchone()[0]
    result["db_mb"] = (warehouse / "funnel.duckdb").stat().st_size / 1e6
    return result


def _timed_load(extracts: Path, warehouse: Path) -> float:
    """The load stage's own code (`flows.ingest.load_batches`) in a Prefect flow, timed inside the flow
    as the pipeline's run log times it (Prefect's start-up is not the load's)."""
    from prefect import flow

    from flows.ingest import load_batches

    settings = config.load(warehouse)

    @flow(name="bench-load")
    def timed() -> float:
        started = time.perf_counter()
        load_batches(str(extracts), settings)
        return time.perf_counter() - started

    return timed()


def load_scale(scale: float, days: int, work: Path) -> dict:
    """Only the load against the bare read, side by side: for scales where a whole run takes hours."""
    extracts = work / f"extracts-{scale}"
    started = time.perf_counter()
    summary = generate.generate(extracts, days=days, scale=scale, seed=7, end_date=END)
    result = {"scale": scale, "rows": sum(summary.rows.values()), "generate_s": time.perf_counter() - started}
    result["batches"] = sum(1 for p in extracts.iterdir() if p.is_dir())
    print(f"scale {scale}: bare read of {result['batches']} batches", flush=True)
    result["bare_load_s"] = bare_load(extracts, work / f"bare-{scale}.duckdb")
    print(f"scale {scale}: load stage", flush=True)
    result["load_s"] = _timed_load(extracts, work / f"warehouse-{scale}")
    return result


def _measured_on() -> str:
    """When and on what a benchmark file's figures were measured."""
    return (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, Python "
        f"{platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def render_load(results: list[dict]) -> str:
    lines = [
        "# The load stage against DuckDB's bare read",
        "",
        f'{_measured_on()}; `make bench ARGS="--load-only ..."` wrote this file. '
        "For each scale, a year of batches is read by DuckDB alone (typed `read_csv` into tables, a "
        "transaction per batch) and then, right after, loaded by the load stage's own code in a Prefect flow.",
        "",
        "| scale | rows | batches | bare read s | load stage s | load ÷ bare read |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['scale']} | {r['rows']:,} | {r['batches']} | {r['bare_load_s']:.1f} | {r['load_s']:.1f} "
            f"| {r['load_s'] / r['bare_load_s']:.2f} |"
        )
    return "\n".join(lines) + "\n"


STAGES = ("load", "validate_raw", "dbt_build", "clv", "validate_marts", "publish", "report")


def render(results: list[dict]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"{_measured_on()}; `make bench` wrote this file. Each scale is a "
        "year of simulated business (scale 1 is about a million receipt lines), then one more day.",
        "",
        "## Runs",
        "",
        "| scale | rows | receipt lines | run | seconds | peak memory | " + " | ".join(STAGES) + " | other |",
        "|---|---|---|---|---|---|" + "---|" * len(STAGES) + "---|",
    ]
    for r in results:
        for name in ("full", "one_day", "nothing_new"):
            run = r[name]
            stages = [run["stages"].get(s) for s in STAGES]
            other = run["seconds"] - sum(s or 0 for s in stages)
            lines.append(
                f"| {r['scale']} | {r['rows']:,} | {r['receipt_lines']:,} | {name.replace('_', ' ')} "
                f"| {run['seconds']:.1f} | {run['peak_bytes'] / 2**30:.2f} GiB | "
                + " | ".join("" if s is None else f"{s:.1f}" for s in stages)
                + f" | {other:.1f} |"
            )
    lines += [
        "",
        "`other` is what no stage accounts for: starting Python, Prefect's API and the flow.",
        "",
        "## Against the lower bounds, measured in the same run",
        "",
        "| scale | bare read_csv into typed tables s | compiled model SQL replayed s | full run s | full ÷ bounds "
        "| load ÷ bare read | one day ÷ full | nothing new s | Great Expectations share of the full run |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        full = r["full"]
        bounds = r["bare_load_s"] + r["replay_s"]
        gx = (full["stages"].get("validate_raw") or 0) + (full["stages"].get("validate_marts") or 0)
        load = full["stages"].get("load") or 0
        lines.append(
            f"| {r['scale']} | {r['bare_load_s']:.1f} | {r['replay_s']:.1f} | {full['seconds']:.1f} "
            f"| {full['seconds'] / bounds:.2f} | {load / r['bare_load_s']:.2f} "
            f"| {r['one_day']['seconds'] / full['seconds']:.1%} | {r['nothing_new']['seconds']:.1f} "
            f"| {gx / full['seconds']:.1%} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10", help="comma-separated scale factors")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--keep", action="store_true", help="keep the generated data and warehouses")
    parser.add_argument("--workdir", type=Path, help="where to put data (default: a temporary folder)")
    parser.add_argument(
        "--load-only", action="store_true", help=f"only the load against the bare read (to {LOAD_RESULTS.name})"
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="funnel-bench-", dir=args.workdir))
    try:
        results = []
        if args.load_only:
            for scale in (float(s) for s in args.scales.split(",")):
                results.append(load_scale(scale, args.days, work))
                LOAD_RESULTS.write_text(render_load(results), encoding="utf-8")
                print(json.dumps(results[-1]), flush=True)
            print(f"wrote {LOAD_RESULTS}")
            return
        for scale in (float(s) for s in args.scales.split(",")):
            results.append(run_scale(scale, args.days, work))
            RESULTS.write_text(render(results), encoding="utf-8")  # written after each scale: long runs
            print(json.dumps({k: v for k, v in results[-1].items() if k not in ("full", "one_day", "nothing_new")}))
        print(f"wrote {RESULTS}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
