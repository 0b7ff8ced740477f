"""Write-audit-publish: copy audited marts into a new publication and swap it in atomically.

Layout under the warehouse folder:

    funnel.duckdb                        the build database (raw, staging, marts): the pipeline's only
    publications/<id>/funnel.duckdb      a publication: the marts, in an older storage format
    publications/<id>/parquet/<schema>/<table>.parquet
    publications/<id>/report.html        the static report of its headline numbers
    publications/<id>/publication.json   what it holds and where it came from
    published -> publications/<id>      what analysts and BI open, read-only, at a stable path

A publication is written whole and flushed to disk (fsync) before it is published; publishing
renames one symlink, so the database file, the Parquet files and the report change together:
a reader sees the previous publication or the new one, never a mix. A reader that has the old
file open keeps reading it; it never blocks a run, and a run never breaks it.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from funnel.project import mart_schemas
from funnel.settings import Settings

MART_SCHEMAS = mart_schemas()
# Files written with an older storage format stay readable by BI tools on older DuckDB clients.
STORAGE_VERSION = "v1.4.0"


class PublishError(RuntimeError):
    """Publishing or rolling back could not complete; the current publication is unchanged."""


@dataclass(frozen=True)
class Publication:
    id: str
    path: Path
    published_at: str
    run_id: str | None
    batches: list[str]
    tables: dict[str, int]  # "schema.table" -> rows
    batch_fingerprints: dict[str, str]  # batch id -> fingerprint of its files, as built
    build_fingerprint: str | None  # the dbt project, audits and settings it was built with
    engine: str = "duckdb"  # what built the marts: duckdb or spark

    @classmethod
    def read(cls, folder: Path) -> Publication:
        meta = json.loads((folder / "publication.json").read_text(encoding="utf-8"))
        return cls(
            id=meta["id"],
            path=folder,
            published_at=meta["published_at"],
            run_id=meta.get("run_id"),
            batches=meta.get("batches", []),
            tables=meta.get("tables", {}),
            batch_fingerprints=meta.get("batch_fingerprints", {}),
            build_fingerprint=meta.get("build_fingerprint"),
            engine=meta.get("engine", "duckdb"),
        )


def published_dir(settings: Settings) -> Path:
    """The stable path readers use: a symlink to the current publication's folder."""
    return settings.warehouse_dir / "published"


def published_db(settings: Settings) -> Path:
    return published_dir(settings) / "funnel.duckdb"


def publications_dir(settings: Settings) -> Path:
    return settings.warehouse_dir / "publications"


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _new_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def build_publication(
    settings: Settings,
    *,
    run_id: str | None,
    extra_tables: dict[str, str] | None = None,
    build_fingerprint: str | None = None,
    marts: dict[str, str] | None = None,
    engine: str = "duckdb",
) -> Publication:
    """Copy every mart table of the build into a new, self-contained publication folder, with its static report.

    The marts are those of the build database, or `marts` ("schema.table" -> a DuckDB query, such as one
    reading a Spark build's Parquet files). `extra_tables` maps "schema.table" to a query on the build
    database (attached as `build`), for bookkeeping that readers should see, such as data-quality results.
    Whatever the engine that built the marts, readers get the same files.
    """
    from funnel import report

    folder = publications_dir(settings) / _new_id()
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(parents=True)
    db_file = partial / "funnel.duckdb"
    tables: dict[str, int] = {}
    with duckdb.connect(":memory:") as con:
        con.execute(f"attach '{_sql_path(settings.db_path)}' as build (read_only)")
        con.execute(f"attach '{_sql_path(db_file)}' as pub (storage_version '{STORAGE_VERSION}')")
        queries = dict(marts) if marts is not None else _build_marts(con)
        if not queries:
            where = f"the {engine} build" if marts is not None else str(settings.db_path)
            raise PublishError(f"{where} holds no mart tables to publish; did dbt build run?")
        queries.update(extra_tables or {})
        parquet_root = partial / "parquet"
        for name, query in queries.items():
            schema, table = name.split(".")
            con.execute(f'create schema if not exists pub."{schema}"')
            con.execute(f'create table pub."{schema}"."{table}" as {query}')
            tables[name] = con.execute(f'select count(*) from pub."{schema}"."{table}"').fetchone()[0]
            (parquet_root / schema).mkdir(parents=True, exist_ok=True)
            target = _sql_path(parquet_root / schema / f"{table}.parquet")
            con.execute(f'copy pub."{schema}"."{table}" to \'{target}\' (format parquet)')
        batch_fingerprints = dict(
            con.execute("select batch_id, fingerprint from build.raw._batches order by 1").fetchall()
        )
        con.execute("checkpoint pub")
        con.execute("detach pub")
    meta = {
        "id": folder.name,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_id": run_id,
        "batches": sorted(batch_fingerprints),
        "tables": tables,
        "batch_fingerprints": batch_fingerprints,
        "build_fingerprint": build_fingerprint,
        "storage_version": STORAGE_VERSION,
        "engine": engine,
    }
    (partial / "publication.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    report.write_html(db_file, partial / "report.html", folder.name)
    os.replace(partial, folder)
    return Publication.read(folder)


def _build_marts(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """A query per mart table of the build database (attached as `build`)."""
    found = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = 'build' and table_type = 'BASE TABLE' and table_schema in "
        f"({', '.join(repr(s) for s in MART_SCHEMAS)}) order by 1, 2"
    ).fetchall()
    return {f"{schema}.{table}": f'select * from build."{schema}"."{table}"' for schema, table in found}


def write_text_atomically(path: Path, text: str) -> Path:
    """Write beside `path`, flush to disk and rename over it, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.tmp")
    with partial.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
    _fsync_dir(path.parent)
    return path


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def flush_to_disk(folder: Path) -> None:
    """fsync every file and folder under `folder`, then the folder itself: the bytes are on disk."""
    for root, _, files in os.walk(folder):
        for name in files:
            with open(Path(root) / name, "rb") as handle:
                os.fsync(handle.fileno())
        _fsync_dir(Path(root))


def _swap_in(settings: Settings, publication: Publication) -> None:
    """Point `published` at `publication` with one atomic rename of a symlink."""
    link = published_dir(settings)
    if link.exists() and not link.is_symlink():
        # a warehouse published before publications were symlinked: keep the old folder aside
        link.rename(publications_dir(settings) / f".legacy-published-{_new_id()}")
    staged = link.with_name(f".published.{publication.id}.tmp")
    staged.unlink(missing_ok=True)
    staged.symlink_to(os.path.relpath(publication.path, link.parent))
    os.replace(staged, link)
    _fsync_dir(link.parent)


def publish(settings: Settings, publication: Publication, keep: int = 5) -> Publication:
    """Make `publication` the published one, then prune all but the newest `keep` publications."""
    flush_to_disk(publication.path)
    _swap_in(settings, publication)
    prune(settings, keep)
    return publication


def current(settings: Settings) -> Publication | None:
    link = published_dir(settings)
    if not link.is_symlink():
        return None
    folder = (link.parent / os.readlink(link)).resolve()
    return Publication.read(folder) if (folder / "publication.json").exists() else None


def history(settings: Settings) -> list[Publication]:
    """Kept publications, newest first."""
    root = publications_dir(settings)
    if not root.exists():
        return []
    folders = [p for p in root.iterdir() if p.is_dir() and (p / "publication.json").exists()]
    return [Publication.read(p) for p in sorted(folders, key=lambda p: p.name, reverse=True)]


def prune(settings: Settings, keep: int) -> None:
    """Remove old publications and leftovers of interrupted runs; never the current one."""
    now = current(settings)
    for old in history(settings)[keep:]:
        if now is None or old.id != now.id:
            shutil.rmtree(old.path, ignore_errors=True)
    root = publications_dir(settings)
    for leftover in [*root.glob("*.partial"), *root.glob(".legacy-published-*")] if root.exists() else []:
        shutil.rmtree(leftover, ignore_errors=True)
    for stale in settings.warehouse_dir.glob(".published.*.tmp"):
        stale.unlink(missing_ok=True)


def rollback(settings: Settings, to: str | None = None) -> Publication:
    """Publish an earlier kept publication again: the one before the current, or the one named."""
    kept = history(settings)
    now = current(settings)
    if to is None:
        older = [p for p in kept if now is None or p.id < now.id]
        if not older:
            raise PublishError("no earlier publication is kept to roll back to")
        target = older[0]
    else:
        matches = [p for p in kept if p.id == to]
        if not matches:
            ids = ", ".join(p.id for p in kept) or "none"
            raise PublishError(f"publication {to} is not kept; kept publications: {ids}")
        target = matches[0]
    _swap_in(settings, target)
    return target
