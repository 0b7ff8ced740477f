"""The lake: every loaded raw row exported once per batch partition, re-deliveries replacing their partition."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from funnel import contract, generate, ingest, lake, warehouse
from funnel import settings as config

ARGS = {"days": 14, "scale": 0.005, "seed": 11, "end_date": date(2026, 3, 31)}


def _exported_counts(lake_root: Path, entity: contract.Entity) -> dict[str, int]:
    """Rows per batch as a reader of the lake sees them (hive partitions read as text)."""
    folder = lake.table_dir(lake_root, entity)
    if not any(folder.glob("*/*.parquet")):
        return {}
    rows = duckdb.sql(
        f"select _batch_id, count(*) from read_parquet('{folder}/*/*.parquet', hive_partitioning = true, "
        "hive_types = {'_batch_id': varchar}) group by 1"
    ).fetchall()
    return dict(rows)


@pytest.fixture
def loaded(tmp_path: Path):
    extracts = tmp_path / "extracts"
    generate.generate(extracts, **ARGS)
    settings = config.Settings(tmp_path / "wh", "Europe/Budapest", "1GB")
    con = warehouse.connect(settings)
    warehouse.ensure_raw_schema(con)
    for batch in ingest.discover_batches(extracts):
        ingest.load_batch(con, batch, timezone=settings.timezone)
    yield con, extracts, tmp_path / "lake"
    con.close()


def _loaded_counts(con: duckdb.DuckDBPyConnection, entity: contract.Entity) -> dict[str, int]:
    return dict(con.execute(f"select _batch_id, count(*) from {entity.qualified_table} group by 1").fetchall())


def test_every_raw_row_lands_once_in_its_batch_partition_with_lineage(loaded) -> None:
    con, _, lake_root = loaded
    summary = lake.export_raw(con, lake_root)
    assert summary.batches == lake.loaded_batches(con) and len(summary.batches) == 2
    for entity in contract.entities().values():
        assert _exported_counts(lake_root, entity) == _loaded_counts(con, entity), entity.raw_table
    leads = contract.entity("crm", "leads")
    first = summary.batches[0]
    schema = pq.read_schema(lake.partition_dir(lake_root, leads, first) / lake.PART_FILE)
    assert schema.names == [*leads.column_names, "_source_file", "_source_line", "_loaded_at"]
    assert str(schema.field("created_at").type) == "timestamp[us, tz=UTC]"
    # The instants are the warehouse's naive UTC values, not shifted by any zone.
    reader = duckdb.connect()
    reader.execute("set TimeZone = 'UTC'")
    part = lake.partition_dir(lake_root, leads, first) / lake.PART_FILE
    lake_min = reader.execute(f"select min(created_at)::timestamp from '{part}'").fetchone()[0]
    raw_min = con.execute("select min(created_at) from raw.crm__leads where _batch_id = ?", [first]).fetchone()[0]
    assert lake_min == raw_min
    assert not list(lake_root.rglob(".*"))  # no unfinished file left beside a partition


def test_a_redelivered_batch_replaces_its_partitions_and_drops_an_absent_entity(loaded) -> None:
    con, extracts, lake_root = loaded
    lake.export_raw(con, lake_root)
    batch = ingest.discover_batches(extracts)[-1]
    leads_csv = batch / "crm" / "leads.csv"
    with leads_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    kept = rows[: 1 + (len(rows) - 1) // 2]  # header and the first half of the leads
    with leads_csv.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(kept)
    (batch / "pos" / "store_traffic.csv").unlink()  # this entity is absent from the re-delivery
    (batch / "_manifest.json").unlink()  # optional; the generator's one lists the removed file
    assert ingest.load_batch(con, batch, timezone="Europe/Budapest").status == "replaced"

    summary = lake.export_raw(con, lake_root, [batch.name])

    leads, traffic = contract.entity("crm", "leads"), contract.entity("pos", "store_traffic")
    assert _exported_counts(lake_root, leads)[batch.name] == len(kept) - 1
    assert batch.name not in _exported_counts(lake_root, traffic)
    assert summary.removed == [f"{traffic.raw_table}/{batch.name}"]
    for entity in contract.entities().values():  # the other batch is untouched, everything agrees
        assert _exported_counts(lake_root, entity) == _loaded_counts(con, entity), entity.raw_table


def test_a_batch_id_that_is_not_a_date_is_refused_before_anything_is_written(loaded) -> None:
    con, _, lake_root = loaded
    with pytest.raises(ValueError, match='batch id "2026-01-01\' or 1=1": expected YYYY-MM-DD'):
        lake.export_raw(con, lake_root, ["2026-01-01' or 1=1"])
    assert not lake_root.exists()


def test_export_changed_writes_only_new_or_redelivered_batches(loaded) -> None:
    con, extracts, lake_root = loaded
    first = lake.export_changed(con, lake_root)
    assert first.batches == lake.loaded_batches(con) and first.unchanged == 0
    again = lake.export_changed(con, lake_root)
    assert again.batches == [] and again.rows == {} and again.unchanged == len(first.batches)

    batch = ingest.discover_batches(extracts)[0]
    (batch / "pos" / "store_traffic.csv").unlink()  # re-delivered without one entity
    (batch / "_manifest.json").unlink()
    assert ingest.load_batch(con, batch, timezone="Europe/Budapest").status == "replaced"
    redelivered = lake.export_changed(con, lake_root)

    traffic = contract.entity("pos", "store_traffic")
    assert redelivered.batches == [batch.name] and redelivered.unchanged == len(first.batches) - 1
    assert redelivered.removed == [f"{traffic.raw_table}/{batch.name}"]
    assert lake.exported_batches(lake_root) == dict(
        con.execute(f"select batch_id, fingerprint from {contract.RAW_SCHEMA}._batches").fetchall()
    )
    for entity in contract.entities().values():
        assert _exported_counts(lake_root, entity) == _loaded_counts(con, entity), entity.raw_table
