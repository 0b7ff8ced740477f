"""One run at a time, and a durable record of every stage of every run.

The run log is a JSON-lines file beside the warehouse (`logs/run_log.jsonl`), not a table in the
build database: a run that fails because the database cannot be written (a full disk, a corrupt
file) must still be recorded, and `funnel status` must show it. A small reserve file is kept
beside it and given up when the disk is full, so that the record of that failure still fits.
`ops.run_log` in the build database, and `meta.run_log` in each publication, are copies of it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from funnel.settings import Settings

RESERVE_BYTES = 1 << 20
COLUMNS = {
    "run_id": "varchar",
    "stage": "varchar",
    "status": "varchar",
    "started_at": "timestamp",
    "finished_at": "timestamp",
    "duration_seconds": "double",
    "rows_affected": "bigint",
    "detail": "varchar",
}


class RunLockedError(RuntimeError):
    """Another run holds the warehouse."""


def log_path(settings: Settings) -> Path:
    return settings.warehouse_dir / "logs" / "run_log.jsonl"


def _reserve_path(settings: Settings) -> Path:
    return settings.warehouse_dir / "logs" / ".reserve"


def _lock_path(settings: Settings) -> Path:
    return settings.warehouse_dir / "run.lock"


def utc_now() -> datetime:
    """Naive UTC, as the warehouse stores timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


def keep_reserve(settings: Settings) -> None:
    """Make sure the reserve exists while there is room for it (it is given up on a full disk)."""
    reserve = _reserve_path(settings)
    if reserve.exists():
        return
    reserve.parent.mkdir(parents=True, exist_ok=True)
    try:
        with reserve.open("wb") as handle:
            handle.write(b"\0" * RESERVE_BYTES)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        reserve.unlink(missing_ok=True)


def _append(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


@contextmanager
def exclusive_run(settings: Settings, wait_seconds: float = 0.0) -> Iterator[str]:
    """Hold the warehouse's run lock for the duration; refuse (or wait up to `wait_seconds`) if taken.

    The lock is an OS file lock: it is released when the holder exits, even when it is killed, so a
    crashed run never leaves a stale lock behind.
    """
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    path = _lock_path(settings)
    handle = path.open("a+", encoding="utf-8")
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                handle.close()
                raise RunLockedError(
                    f"another run holds the warehouse {settings.warehouse_dir} ({holder}); "
                    "wait for it to finish, or pass --wait SECONDS"
                ) from None
            time.sleep(0.5)
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"run_id": run_id, "pid": os.getpid(), "started_at": utc_now().isoformat()}))
    handle.flush()
    keep_reserve(settings)
    try:
        yield run_id
    finally:
        handle.seek(0)
        handle.truncate()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


@dataclass
class StageRecord:
    run_id: str
    stage: str
    status: str = "running"
    started_at: datetime = field(default_factory=utc_now)
    finished_at: datetime | None = None
    rows_affected: int | None = None
    detail: str | None = None

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def record(settings: Settings, stage: StageRecord) -> None:
    """Append a finished stage to the run log, durably, even on a full disk."""
    row = asdict(stage)
    row["duration_seconds"] = stage.duration_seconds
    for key in ("started_at", "finished_at"):
        row[key] = row[key].isoformat() if row[key] else None
    text = json.dumps({name: row[name] for name in COLUMNS}) + "\n"
    path = log_path(settings)
    try:
        _append(path, text)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        _reserve_path(settings).unlink(missing_ok=True)  # the reserve exists for this moment
        _append(path, text)


def _read(settings: Settings) -> list[dict]:
    path = log_path(settings)
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line torn by a crash mid-write
    return rows


def recent_runs(settings: Settings, limit: int = 10) -> list[dict]:
    """The last runs with their stages, newest first."""
    runs: dict[str, dict] = {}
    for row in _read(settings):
        run = runs.setdefault(row["run_id"], {"run_id": row["run_id"], "started_at": row["started_at"], "stages": []})
        run["stages"].append(
            {
                "stage": row["stage"],
                "status": row["status"],
                "duration_seconds": row["duration_seconds"],
                "rows": row["rows_affected"],
                "detail": row["detail"],
            }
        )
    ordered = sorted(runs.values(), key=lambda run: run["started_at"], reverse=True)
    return ordered[:limit]


def copy_to_table(settings: Settings, con: duckdb.DuckDBPyConnection, table: str = "ops.run_log") -> None:
    """Replace `table` with the run log, for SQL readers and the publication."""
    schema = table.split(".")[0]
    con.execute(f"create schema if not exists {schema}")
    columns = ", ".join(f"{name} {dtype}" for name, dtype in COLUMNS.items())
    con.execute(f"create or replace table {table} ({columns})")
    rows = _read(settings)
    if rows:
        placeholders = ", ".join(["?"] * len(COLUMNS))
        con.executemany(f"insert into {table} values ({placeholders})", [[r[n] for n in COLUMNS] for r in rows])


def record_outcome(settings: Settings, status: str, detail: str) -> None:
    """A run that ended before it started any stage (nothing new): one record, under its own id."""
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
    now = utc_now()
    record(settings, StageRecord(run_id, "run", status, started_at=now, finished_at=now, detail=detail))
