"""Connections to the DuckDB warehouse and the raw schema that the loader writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from funnel import contract
from funnel.settings import Settings

# Lineage kept on every raw row: which batch and file it came from, its line, and when it was loaded.
LINEAGE_COLUMNS = {
    "_batch_id": "varchar",
    "_source_file": "varchar",
    "_source_line": "bigint",
    "_loaded_at": "timestamp",
}

LOAD_LOG_DDL = f"""
create table if not exists {contract.RAW_SCHEMA}._load_log (
    batch_id varchar not null,
    source_file varchar not null,
    system varchar not null,
    entity varchar not null,
    file_sha256 varchar not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    manifest_rows bigint,
    is_reconciled boolean not null,
    notes varchar,
    loaded_at timestamp not null,
    primary key (batch_id, source_file)
)
"""

QUARANTINE_DDL = f"""
create table if not exists {contract.RAW_SCHEMA}._quarantine (
    batch_id varchar not null,
    source_file varchar not null,
    line_number bigint not null,
    column_name varchar,
    error_type varchar not null,
    reason varchar not null,
    raw_line varchar,
    quarantined_at timestamp not null
)
"""

BATCH_DDL = f"""
create table if not exists {contract.RAW_SCHEMA}._batches (
    batch_id varchar primary key,
    fingerprint varchar not null,
    file_count integer not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    loaded_at timestamp not null
)
"""


FILES_DDL = f"""
create table if not exists {contract.RAW_SCHEMA}._files (
    batch_id varchar not null,
    path varchar not null,
    size_bytes bigint not null,
    modified_ns bigint not null,
    sha256 varchar not null,
    primary key (batch_id, path)
)
"""


def connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the pipeline's database with spill-to-disk settings, creating its folder if needed."""
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    settings.temp_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        str(settings.db_path),
        read_only=read_only,
        config={"memory_limit": settings.memory_limit, "temp_directory": str(settings.temp_dir)},
    )
    con.execute("set TimeZone = 'UTC'")
    return con


# While a load stage holds the warehouse, DuckDB writes a checkpoint only once this much WAL has built
# up (its default is 16 MiB: at scale 1, a checkpoint at almost every batch's commit). Committed
# batches are durable in the WAL either way; the stage checkpoints once at its end.
LOAD_CHECKPOINT_THRESHOLD = "256MiB"


@contextmanager
def held_for_loading(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """Hold the warehouse open for a whole load stage, checkpointing once at its end.

    Connections opened meanwhile in this process (one per batch) share the held database instance,
    so closing them does not checkpoint either. Measured at scale 1: the batches' commits took
    about half the time of the default (benchmarks/results.md).
    """
    con = connect(settings)
    try:
        con.execute(f"set checkpoint_threshold = '{LOAD_CHECKPOINT_THRESHOLD}'")
        yield con
        con.execute("checkpoint")
    finally:
        con.close()


def raw_table_ddl(entity: contract.Entity) -> str:
    columns = [f"{c.name} {c.data_type}" for c in entity.columns]
    columns += [f"{name} {dtype} not null" for name, dtype in LINEAGE_COLUMNS.items()]
    body = ",\n    ".join(columns)
    return f"create table if not exists {entity.qualified_table} (\n    {body}\n)"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, one table per contract entity, and the loader's bookkeeping tables.

    A warehouse made under an older contract gets the columns the contract has added since (empty
    for the rows already loaded), so that a release can extend the contract without a reload.
    """
    con.execute(f"create schema if not exists {contract.RAW_SCHEMA}")
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?",
        [contract.RAW_SCHEMA],
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    for entity in contract.entities().values():
        if entity.raw_table not in existing:
            con.execute(raw_table_ddl(entity))
            continue
        for column in entity.columns:
            if column.name not in existing[entity.raw_table]:
                con.execute(f"alter table {entity.qualified_table} add column {column.name} {column.data_type}")
    for ddl in (LOAD_LOG_DDL, QUARANTINE_DDL, BATCH_DDL, FILES_DDL):
        con.execute(ddl)
