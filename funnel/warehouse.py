"""Connections to the DuckDB warehouse and the raw schema that the loader writes."""

from __future__ import annotations

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
