"""What changed since the current publication: new data, other settings, another project.

A run with nothing new should say so and stop in seconds, without starting Prefect, dbt or Great
Expectations and without a new publication. Each publication records what it was built from:
the batches (with the fingerprints of their files) and a fingerprint of the build itself (the
dbt project, the audits and the business settings). The next run compares.
"""

from __future__ import annotations

import hashlib
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
