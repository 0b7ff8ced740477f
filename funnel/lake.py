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
"""

from __future__ import annotations

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


def export_warehouse(settings: Settings, batch_ids: Iterable[str] | None = None) -> ExportSummary:
    """Open the warehouse read-only and export the given batches (default: all) to its lake."""
    con = warehouse.connect(settings, read_only=True)
    try:
        return export_raw(con, lake_dir(settings), batch_ids)
    finally:
        con.close()
