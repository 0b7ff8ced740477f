"""The loader against the generator's dirty mode: every injected defect is caught, nothing else."""

from __future__ import annotations

import json
from datetime import date

import pytest

from funnel import contract, generate, ingest, warehouse
from funnel import settings as config

ARGS = {"days": 35, "scale": 0.01, "seed": 7, "end_date": date(2026, 3, 31)}


def _load_all(extracts, warehouse_dir):
    settings = config.Settings(warehouse_dir, "Europe/Budapest", "1GB")
    con = warehouse.connect(settings)
    warehouse.ensure_raw_schema(con)
    results = [ingest.load_batch(con, b, timezone=settings.timezone) for b in ingest.discover_batches(extracts)]
    return con, results


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    generate.generate(root / "clean", **ARGS)
    generate.generate(root / "dirty", dirty_rate=0.02, **ARGS)
    clean = _load_all(root / "clean", root / "wh-clean")
    dirty = _load_all(root / "dirty", root / "wh-dirty")
    yield root, clean, dirty
    clean[0].close()
    dirty[0].close()


def test_quarantine_matches_what_the_generator_injected_kind_by_kind_and_file_by_file(loaded):
    root, _, (con, results) = loaded
    injected = json.loads((root / "dirty" / "_dirty.json").read_text(encoding="utf-8"))
    found_by_kind = dict(con.execute("select error_type, count(*) from raw._quarantine group by 1").fetchall())
    assert found_by_kind == {kind: n for kind, n in injected["by_kind"].items() if n}
    assert set(found_by_kind) == {
        "column_count",
        "bad_encoding",
        "bad_date",
        "bad_number",
        "missing_required",
        "duplicate_key",
    }
    found_by_file = {}
    for source_file, kind, n in con.execute(
        "select source_file, error_type, count(*) from raw._quarantine group by 1, 2"
    ).fetchall():
        found_by_file.setdefault(source_file, {})[kind] = n
    expected_by_file = {
        f: {k: n for k, n in kinds.items() if n} for f, kinds in injected["by_file"].items() if any(kinds.values())
    }
    assert found_by_file == expected_by_file
    assert sum(r.rows_quarantined for r in results) == injected["total"]


def test_every_row_read_is_loaded_or_quarantined_and_the_manifest_agrees(loaded):
    _, _, (con, results) = loaded
    rows = con.execute(
        "select source_file, rows_read, rows_loaded, rows_quarantined, manifest_rows from raw._load_log"
    ).fetchall()
    assert rows, "nothing was loaded"
    for source_file, read, loaded_rows, quarantined, manifest_rows in rows:
        assert read == loaded_rows + quarantined, source_file
        assert manifest_rows == read, source_file


def test_the_good_rows_of_a_dirty_delivery_equal_the_clean_delivery(loaded):
    _, (clean, _), (dirty, _) = loaded
    for entity in contract.entities().values():
        query = f"select * exclude (_source_line, _loaded_at) from {entity.qualified_table} order by all"
        assert dirty.execute(query).fetchall() == clean.execute(query).fetchall(), entity.key
