"""What changed since the current publication: new data, other settings, another project.

A run with nothing new should say so and stop in seconds, without starting Prefect, dbt or Great
Expectations and without a new publication. Each publication records what it was built from:
the batches (with the fingerprints of their files) and a fingerprint of the build itself (the
dbt project, the audits and the business settings). The next run compares.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from funnel import contract, ingest, publish
from funnel.project import PROJECT_ROOT
from funnel.settings import Settings

# What a build is made of, besides the data and the settings.
BUILD_INPUTS = ("dbt_project.yml", "models", "macros", "seeds", "tests", "expectations/expectations", "funnel/quality")
BUILD_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".json", ".py", ".md"}


def build_fingerprint(settings: Settings) -> str:
    """One digest of the dbt project, the audits and the business settings."""
    digest = hashlib.sha256(settings.dbt_vars_json().encode())
    if settings.engine != "duckdb":  # another engine is another build (DuckDB's digests stay as they were)
        digest.update(f"engine={settings.engine} target={settings.target}".encode())
    for name in BUILD_INPUTS:
        root = PROJECT_ROOT / name
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix in BUILD_SUFFIXES)
        for path in paths:
            if "__pycache__" in path.parts:
                continue
            digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def loaded_batches(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Batch id -> fingerprint of every batch in the raw schema."""
    try:
        rows = con.execute(f"select batch_id, fingerprint from {contract.RAW_SCHEMA}._batches").fetchall()
    except duckdb.CatalogException:
        return {}
    return dict(rows)


def nothing_new(settings: Settings, extracts: Path, selection: list[str] | None) -> str | None:
    """Why there is nothing to do, or None when a run has work (or cannot tell: then it runs)."""
    current = publish.current(settings)
    if current is None or not current.batch_fingerprints or not settings.db_path.exists():
        return None
    if current.build_fingerprint != build_fingerprint(settings):
        return None
    try:
        con = duckdb.connect(str(settings.db_path), read_only=True)
    except duckdb.Error:
        return None  # a run holds the warehouse: the run itself will say so
    try:
        loaded = loaded_batches(con)
        if loaded != current.batch_fingerprints:
            return None  # loaded but not published: a blocked or failed run to retry
        batches = ingest.select_batches(extracts, selection)
        if ingest.pending_batches(con, batches):
            return None
    finally:
        con.close()
    last = max(current.batch_fingerprints)
    return (
        f"nothing new: publication {current.id} already holds every batch up to {last} with the same "
        "settings and project; nothing was loaded, built or published"
    )


BUILD_STATE_DDL = """
create table if not exists ops.build_state (
    build_fingerprint varchar not null,
    batch_id varchar not null,
    batch_fingerprint varchar not null,
    built_at timestamp not null
)
"""


@dataclass
class BuildPlan:
    """What dbt builds: in full, or only what the new batches touch (see macros/incremental)."""

    full: bool
    reason: str
    batches: list[str] = field(default_factory=list)  # the batches of this build
    loaded: dict[str, str] = field(default_factory=dict)  # every batch in raw, with its fingerprint
    fingerprint: str = ""


def plan_build(settings: Settings, full_refresh: bool = False) -> BuildPlan:
    """Decide between a full and an incremental build, and write the batches of this build to
    `ops.build_batches`, which the incremental models read."""
    fingerprint = build_fingerprint(settings)
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute("create schema if not exists ops")
        con.execute(BUILD_STATE_DDL)
        loaded = loaded_batches(con)
        state = con.execute("select build_fingerprint, batch_id, batch_fingerprint from ops.build_state").fetchall()
        built = {batch: digest for _, batch, digest in state}
        new = sorted(batch for batch in loaded if batch not in built)
        redelivered = sorted(b for b in loaded if b in built and built[b] != loaded[b])
        dropped = sorted(set(built) - set(loaded))
        plan = BuildPlan(full=True, reason="", batches=sorted(loaded), loaded=loaded, fingerprint=fingerprint)
        if full_refresh:
            plan.reason = "--full-refresh"
        elif not state:
            plan.reason = "first build"
        elif {row[0] for row in state} != {fingerprint}:
            plan.reason = "the project or the settings changed since the last build"
        elif redelivered or dropped:
            plan.reason = f"batches delivered again or removed: {', '.join(redelivered + dropped)}"
        elif _late_exchange_rates(con, new, sorted(built)):
            plan.reason = "exchange rates arrived for days already built"
        else:
            plan = BuildPlan(
                full=False, reason=f"{len(new)} new batch(es)", batches=new, loaded=loaded, fingerprint=fingerprint
            )
        con.execute("create or replace table ops.build_batches (batch_id varchar)")
        if plan.batches:
            con.executemany("insert into ops.build_batches values (?)", [[b] for b in plan.batches])
    return plan


def _late_exchange_rates(con: duckdb.DuckDBPyConnection, new: list[str], built: list[str]) -> bool:
    """A rate for a day whose amounts are already converted changes them: only a full build redoes that.

    Rates usually arrive with the day's transactions; a rate for a day on or before the latest
    transaction already built is late.
    """
    if not new or not built:
        return False
    rates = contract.entity("marketing", "fx_rates").qualified_table
    receipts = contract.entity("pos", "receipts").qualified_table
    spend = contract.entity("marketing", "spend").qualified_table
    new_marks, built_marks = ", ".join(["?"] * len(new)), ", ".join(["?"] * len(built))
    row = con.execute(
        f"select (select min(rate_date) from {rates} where _batch_id in ({new_marks})) <= greatest("
        f"(select max(cast(occurred_at as date)) from {receipts} where _batch_id in ({built_marks})), "
        f"(select max(spend_date) from {spend} where _batch_id in ({built_marks})))",
        [*new, *built, *built],
    ).fetchone()
    return bool(row and row[0])


def record_build(settings: Settings, plan: BuildPlan) -> None:
    """After a successful dbt build: the batches it holds, and what it was built with."""
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute(BUILD_STATE_DDL)
        con.execute("delete from ops.build_state")
        rows = [[plan.fingerprint, batch, digest] for batch, digest in sorted(plan.loaded.items())]
        if rows:
            con.executemany("insert into ops.build_state values (?, ?, ?, current_timestamp::timestamp)", rows)
