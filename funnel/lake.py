"""Raw batches as Parquet files, partitioned by batch, for engines that read files (Spark).

The loader keeps writing DuckDB's `raw` schema, which stays the record. After a batch's transaction has
committed, `export_raw` copies that batch of every contract table to

    <lake>/raw/<table>/_batch_id=<batch id>/part-0.parquet

one file per table and batch, with the contract's columns and the lineage columns (`_source_file`,
`_source_line`, `_loaded_at`; `_batch_id` is the partition folder). A re-delivered batch replaces its
file with one `os.replace`: the new file is written beside it under a name that Spark and Hive skip
(a leading dot), then renamed over it, so a reader lists either the old delivery or the new one.
Timestamps are written as UTC instants (Parquet `isAdjustedToUTC=true`), which Spark reads as its
`timestamp` type; the warehouse's naive timestamps are UTC already.

`<lake>/raw/_exported.json` records each exported batch with the fingerprint of its delivery, so a run
exports only what is new or delivered again since (`export_changed`), and removes the partitions of a
batch the warehouse no longer holds. Spark and Hive skip files whose names start with `_` or `.`.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from funnel import contract, warehouse
from funnel.settings import Settings

PARTITION_COLUMN = "_batch_id"
PART_FILE = "part-0.parquet"
MANIFEST = "_exported.json"


def lake_dir(settings: Settings) -> Path:
    """The lake's root: FUNNEL_LAKE_DIR, else `<warehouse>/lake`."""
    configured = os.environ.get("FUNNEL_LAKE_DIR")
    return Path(configured).resolve() if configured else settings.warehouse_dir / "lake"


def table_dir(lake: Path, entity: contract.Entity) -> Path:
    return lake / contract.RAW_SCHEMA / entity.raw_table


def partition_dir(lake: Path, entity: contract.Entity, batch_id: str) -> Path:
    return table_dir(lake, entity) / f"{PARTITION_COLUMN}={batch_id}"


@dataclass
class ExportSummary:
    lake: Path
    batches: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # raw table -> rows written
    removed: list[str] = field(default_factory=list)  # "<table>/<batch>" partitions removed (no rows)
    unchanged: int = 0  # batches already in the lake as delivered

    def describe(self) -> str:
        """One line for the run log and the terminal."""
        return (
            f"lake: {sum(self.rows.values())} raw rows of {len(self.batches)} new or re-delivered batch(es) "
            f"exported, {self.unchanged} unchanged, {len(self.removed)} partition(s) removed, in {self.lake}"
        )


def _select_list(entity: contract.Entity) -> str:
    """The contract's columns then the lineage columns, timestamps as UTC instants."""
    lineage = [name for name in warehouse.LINEAGE_COLUMNS if name != PARTITION_COLUMN]
    types = {c.name: c.data_type for c in entity.columns} | warehouse.LINEAGE_COLUMNS
    return ", ".join(
        f'cast("{name}" as timestamptz) as "{name}"' if types[name] == "timestamp" else f'"{name}"'
        for name in [*entity.column_names, *lineage]
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def loaded_batches(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every batch id the loader has committed, oldest first."""
    return [row[0] for row in con.execute(f"select batch_id from {contract.RAW_SCHEMA}._batches order by 1").fetchall()]


def export_raw(
    con: duckdb.DuckDBPyConnection,
    lake: Path,
    batch_ids: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> ExportSummary:
    """Write the given batches (default: every loaded batch) of every raw table to the lake, one partition each."""
    batches = sorted(set(batch_ids)) if batch_ids is not None else loaded_batches(con)
    for batch_id in batches:
        if not contract.BATCH_ID_PATTERN.match(batch_id):
            raise ValueError(f"batch id {batch_id!r}: expected YYYY-MM-DD")
    summary = ExportSummary(lake=lake, batches=batches)
    con.execute("set TimeZone = 'UTC'")  # the naive UTC timestamps become the same instants
    for entity in contract.entities().values():
        summary.rows[entity.raw_table] = 0
        for batch_id in batches:
            rows = _export_partition(con, lake, entity, batch_id)
            if rows:
                summary.rows[entity.raw_table] += rows
            elif _remove_partition(lake, entity, batch_id):
                summary.removed.append(f"{entity.raw_table}/{batch_id}")
        if progress:
            progress(f"{entity.raw_table}: {summary.rows[entity.raw_table]} rows in {len(batches)} batch(es)")
        table_dir(lake, entity).mkdir(parents=True, exist_ok=True)  # an external table needs its folder
    return summary


def _export_partition(con: duckdb.DuckDBPyConnection, lake: Path, entity: contract.Entity, batch_id: str) -> int:
    """Write one table's batch beside its partition file and rename it over; returns the rows written."""
    rows = con.execute(
        f"select count(*) from {entity.qualified_table} where {PARTITION_COLUMN} = ?", [batch_id]
    ).fetchone()[0]
    if rows == 0:
        return 0
    target = partition_dir(lake, entity, batch_id)
    target.mkdir(parents=True, exist_ok=True)
    # A leading dot hides the unfinished file from Spark's and Hive's file listings.
    staging = target / f".{uuid.uuid4().hex}.parquet.tmp"
    query = (
        f"select {_select_list(entity)} from {entity.qualified_table} "
        f"where {PARTITION_COLUMN} = {_literal(batch_id)} order by _source_line"
    )
    try:
        con.execute(f"copy ({query}) to {_literal(str(staging))} (format parquet)")
        os.replace(staging, target / PART_FILE)
    finally:
        staging.unlink(missing_ok=True)
    for stray in target.iterdir():  # files of an earlier layout would be read as part of the batch
        if stray.name != PART_FILE:
            stray.unlink()
    return rows


def _remove_partition(lake: Path, entity: contract.Entity, batch_id: str) -> bool:
    """A re-delivered batch without this entity: move its old partition aside, then delete it."""
    target = partition_dir(lake, entity, batch_id)
    if not target.exists():
        return False
    doomed = target.with_name(f".{target.name}.{uuid.uuid4().hex}.removed")
    os.replace(target, doomed)
    shutil.rmtree(doomed)
    return True


def manifest_path(lake: Path) -> Path:
    return lake / contract.RAW_SCHEMA / MANIFEST


def exported_batches(lake: Path) -> dict[str, str]:
    """Batch id -> fingerprint of every batch the lake holds as exported (empty for a new lake)."""
    try:
        return json.loads(manifest_path(lake).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _write_manifest(lake: Path, batches: dict[str, str]) -> None:
    path = manifest_path(lake)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    partial.write_text(json.dumps(dict(sorted(batches.items())), indent=1) + "\n", encoding="utf-8")
    os.replace(partial, path)


def export_changed(con: duckdb.DuckDBPyConnection, lake: Path) -> ExportSummary:
    """Export the batches that are new or delivered again since the last export, and remove the partitions
    of batches the warehouse no longer holds; the manifest is written last, so an interrupted export
    is done again by the next run."""
    loaded = dict(con.execute(f"select batch_id, fingerprint from {contract.RAW_SCHEMA}._batches").fetchall())
    exported = exported_batches(lake)
    changed = sorted(batch for batch, digest in loaded.items() if exported.get(batch) != digest)
    summary = export_raw(con, lake, changed) if changed else ExportSummary(lake=lake)
    for batch_id in sorted(set(exported) - set(loaded)):
        for entity in contract.entities().values():
            if contract.BATCH_ID_PATTERN.match(batch_id) and _remove_partition(lake, entity, batch_id):
                summary.removed.append(f"{entity.raw_table}/{batch_id}")
    for entity in contract.entities().values():
        table_dir(lake, entity).mkdir(parents=True, exist_ok=True)  # an external table needs its folder
    summary.unchanged = len(loaded) - len(changed)
    _write_manifest(lake, loaded)
    return summary


def export_warehouse(settings: Settings, batch_ids: Iterable[str] | None = None) -> ExportSummary:
    """Open the warehouse read-only and export the given batches to its lake; by default, what changed."""
    con = warehouse.connect(settings, read_only=True)
    try:
        lake = lake_dir(settings)
        return export_changed(con, lake) if batch_ids is None else export_raw(con, lake, batch_ids)
    finally:
        con.close()
