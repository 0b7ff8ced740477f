"""One run at a time, and a record of every stage of every run in the warehouse."""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from funnel import warehouse
from funnel.settings import Settings

RUN_LOG_DDL = """
create table if not exists ops.run_log (
    run_id varchar not null,
    stage varchar not null,
    status varchar not null,
    started_at timestamp not null,
    finished_at timestamp,
    duration_seconds double,
    rows_affected bigint,
    detail varchar
)
"""


class RunLockedError(RuntimeError):
    """Another run holds the warehouse."""


def _lock_path(settings: Settings) -> Path:
    return settings.warehouse_dir / "run.lock"


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
    try:
        yield run_id
    finally:
        handle.seek(0)
        handle.truncate()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def utc_now() -> datetime:
    """Naive UTC, as the warehouse stores timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


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
    """Append a finished stage to ops.run_log in the build database."""
    with warehouse.connect(settings) as con:
        con.execute("create schema if not exists ops")
        con.execute(RUN_LOG_DDL)
        con.execute(
            "insert into ops.run_log values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                stage.run_id,
                stage.stage,
                stage.status,
                stage.started_at,
                stage.finished_at,
                stage.duration_seconds,
                stage.rows_affected,
                stage.detail,
            ],
        )


def recent_runs(settings: Settings, limit: int = 10) -> list[dict]:
    """The last runs with their stages, newest first (reads the build database read-only)."""
    if not settings.db_path.exists():
        return []
    with warehouse.connect(settings, read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'ops' and table_name = 'run_log'"
        ).fetchone()[0]
        if not exists:
            return []
        rows = con.execute(
            "with runs as (select run_id, min(started_at) as started_at from ops.run_log group by 1 "
            "order by 2 desc limit ?) "
            "select l.run_id, l.stage, l.status, l.started_at, l.duration_seconds, l.rows_affected, l.detail "
            "from ops.run_log as l inner join runs using (run_id) order by runs.started_at desc, l.started_at",
            [limit],
        ).fetchall()
    runs: dict[str, dict] = {}
    for run_id, stage, status, started_at, duration, row_count, detail in rows:
        run = runs.setdefault(run_id, {"run_id": run_id, "started_at": started_at, "stages": []})
        run["stages"].append(
            {"stage": stage, "status": status, "duration_seconds": duration, "rows": row_count, "detail": detail}
        )
    return list(runs.values())
