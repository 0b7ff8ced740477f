"""Runs of the main job on a machine kept busy by other work: each must end in 0 or a named failure.

    .venv/bin/python benchmarks/stress_runs.py --runs 20 --burners 4

Starts `--burners` processes that keep the CPUs busy, then runs `funnel run` `--runs` times on one
warehouse: the first loads the demo extracts, and every fourth one is given a new batch (a copy
of the last with the next date), so the runs mix a first load, daily increments and runs with
nothing new. Each run's exit code, duration and last error line go to benchmarks/stress.md; the
script exits non-zero when a run ended in anything but 0 or a documented failure code with an
`error:` line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "stress.md"
DOCUMENTED = {0: "published or nothing new", 2: "usage", 3: "blocked by an audit", 4: "locked", 5: "contract"}


def _burn(stop_at: float) -> None:
    x = 0
    while time.time() < stop_at:
        x = (x * 31 + 7) % 1_000_003


def _next_batch(extracts: Path) -> str:
    """Copy the newest batch under the next date: a new delivery with the same shape."""
    newest = max(p for p in extracts.iterdir() if p.is_dir() and p.name[0].isdigit())
    following = (date.fromisoformat(newest.name) + timedelta(days=1)).isoformat()
    shutil.copytree(newest, extracts / following)
    manifest = extracts / following / "_manifest.json"
    if manifest.exists():
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        doc["batch_id"] = following
        manifest.write_text(json.dumps(doc), encoding="utf-8")
    return following


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--burners", type=int, default=4, help="busy processes (2 cores: 4 keeps them saturated)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="funnel-stress-"))
    from funnel import demo, generate

    extracts = work / "extracts"
    generate.generate(extracts, **demo.DEMO_ARGS)
    burners = [
        multiprocessing.Process(target=_burn, args=(time.time() + 6 * 3600,), daemon=True) for _ in range(args.burners)
    ]
    for burner in burners:
        burner.start()
    funnel = str(Path(sys.executable).with_name("funnel"))
    env = {**os.environ, "FUNNEL_WAREHOUSE": str(work / "warehouse")}
    rows, bad = [], 0
    try:
        for number in range(1, args.runs + 1):
            delivered = _next_batch(extracts) if number > 1 and number % 4 == 0 else ""
            started = time.monotonic()
            done = subprocess.run(
                [funnel, "run", "--extracts", str(extracts)], env=env, capture_output=True, text=True, cwd=ROOT
            )
            seconds = time.monotonic() - started
            errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
            named = done.returncode == 0 or (done.returncode in DOCUMENTED and errors)
            bad += not named
            last = errors[-1] if errors else (done.stdout.strip().splitlines() or [""])[-1]
            rows.append((number, delivered, done.returncode, seconds, last[:160], named))
            print(f"run {number}: exit {done.returncode} in {seconds:.0f}s {last[:100]}", flush=True)
    finally:
        for burner in burners:
            burner.terminate()
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        "# Runs on a busy machine",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
        f"with {args.burners} busy processes beside; `benchmarks/stress_runs.py` wrote this file.",
        "",
        "| run | new batch | exit | seconds | last line | 0 or a named failure |",
        "|---|---|---|---|---|---|",
        *(
            f"| {n} | {b} | {c} | {s:.0f} | {t.replace('|', '/')} | {'yes' if ok else 'NO'} |"
            for n, b, c, s, t, ok in rows
        ),
        "",
        f"{len(rows) - bad} of {len(rows)} runs ended in 0 or a named failure.",
    ]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
