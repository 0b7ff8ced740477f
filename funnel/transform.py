"""Run dbt in a subprocess against the pipeline's database and summarise what it did."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from funnel.contract import PROJECT_ROOT
from funnel.settings import Settings


class DbtError(RuntimeError):
    """dbt failed; the message lists the failing nodes in words."""


@dataclass
class DbtSummary:
    command: str
    statuses: Counter = field(default_factory=Counter)  # "model:success" -> n
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, resource: str, status: str | None = None) -> int:
        return sum(
            n
            for key, n in self.statuses.items()
            if key.split(":")[0] == resource and (status is None or key.split(":")[1] == status)
        )


def dbt_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DBT_PROFILES_DIR", str(PROJECT_ROOT))
    env["FUNNEL_DB_PATH"] = str(settings.db_path)
    env["FUNNEL_MEMORY_LIMIT"] = settings.memory_limit
    env["FUNNEL_DBT_TARGET"] = settings.target  # checked against the engine by funnel.settings
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


def target_dir(settings: Settings, dbt_target: str = "duckdb") -> Path:
    """Where dbt writes the manifest and run results of builds on `dbt_target` in this warehouse."""
    return settings.warehouse_dir / ("dbt-target" if dbt_target == "duckdb" else f"dbt-target-{dbt_target}")


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def progress_echo(echo: Callable[[str], None]) -> Callable[[str], None]:
    """Pass on dbt's progress without one line per passing test: models, failures, warnings, totals."""

    def filtered(line: str) -> None:
        if " START test " in line or " START unit_test " in line or " PASS " in line:
            return
        echo(line)

    return filtered


# dbt commands that compile the project, and so read vars
_COMPILING = {
    "build", "run", "test", "seed", "snapshot", "compile", "parse", "list", "ls", "show", "docs", "run-operation",
}  # fmt: skip


def run_dbt(
    args: list[str],
    settings: Settings,
    *,
    echo: Callable[[str], None] | None = print,
    timeout: float | None = None,
    extra_env: dict[str, str] | None = None,
) -> DbtSummary:
    """Run `dbt <args>` in the project, streaming its log lines to `echo`; raise DbtError on failure.

    dbt gets every business setting as `--vars` (checked by funnel.settings), unless `args` carry
    their own `--vars`.
    """
    # Each warehouse keeps its own dbt target folder and logs, so that runs on different warehouses never
    # share manifests or run results; each dbt target (engine) has its own folder, so that switching engines
    # keeps dbt's partial parsing (a full parse takes 10-45 s here).
    env = dbt_env(settings) | (extra_env or {})
    target = target_dir(settings, env.get("FUNNEL_DBT_TARGET", "duckdb"))
    command = [dbt_executable(), *args, "--project-dir", str(PROJECT_ROOT)]
    if args and args[0] not in ("--version", "deps", "clean"):
        command += ["--target-path", str(target), "--log-path", str(settings.warehouse_dir / "logs")]
    if args and args[0] in _COMPILING and "--vars" not in args:
        command += ["--vars", settings.dbt_vars_json()]
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    tail: list[str] = []
    assert process.stdout is not None
    try:
        for line in process.stdout:
            line = line.rstrip()
            tail = (tail + [line])[-40:]
            if echo and line:
                echo(line)
        code = process.wait(timeout=timeout)
    except BaseException:
        process.kill()
        process.wait()
        raise
    summary = read_run_results(args[0] if args else "dbt", target)
    if code != 0:
        detail = "\n".join(summary.failures) or "\n".join(tail[-15:])
        raise DbtError(f"dbt {' '.join(args)} failed (exit code {code}):\n{detail}")
    return summary


def read_run_results(command: str, target: Path) -> DbtSummary:
    """Summarise run_results.json of the last dbt invocation in `target`."""
    summary = DbtSummary(command)
    path = target / "run_results.json"
    if not path.exists():
        return summary
    doc = json.loads(path.read_text(encoding="utf-8"))
    for result in doc.get("results", []):
        unique_id = result["unique_id"]
        resource = unique_id.split(".")[0]
        status = result["status"]
        summary.statuses[f"{resource}:{status}"] += 1
        name = unique_id.split(".", 2)[-1]
        message = " ".join(str(result.get("message") or "").split())
        if status in ("error", "fail", "runtime error"):
            summary.failures.append(f"- {resource} {name}: {status}: {message}"[:500])
        elif status == "warn":
            summary.warnings.append(f"- {resource} {name}: {message}"[:500])
    return summary


def store_settings(settings: Settings) -> None:
    """The run's settings as `ops.settings` (name, value, origin) in the build database; secrets hidden."""
    import duckdb

    with duckdb.connect(str(settings.db_path)) as con:
        con.execute("create schema if not exists ops")
        con.execute("create or replace table ops.settings (name varchar, value varchar, origin varchar)")
        con.executemany("insert into ops.settings values (?, ?, ?)", [list(row) for row in settings.described()])
