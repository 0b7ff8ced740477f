"""The main job on the demo data, run for real through Prefect (ephemeral API) and dbt."""

from __future__ import annotations

import json

import duckdb
import pytest
import yaml

from flows.ingest import ingest
from funnel import contract
from funnel.project import PROJECT_ROOT

pytestmark = [pytest.mark.prefect, pytest.mark.dbt]


def model_files() -> list[str]:
    """Every dbt model of the project, one `.sql` file each under models/."""
    return sorted(path.stem for path in (PROJECT_ROOT / "models").rglob("*.sql"))


def declared_unit_tests() -> list[str]:
    """Every dbt unit test the model YAML files declare."""
    names = []
    for path in (PROJECT_ROOT / "models").rglob("*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names += [test["name"] for test in document.get("unit_tests", [])]
    return names


def test_every_generated_row_is_loaded_and_reconciled(demo_run):
    summary, report, db_path, _ = demo_run
    assert [b.batch_id for b in report.batches] == summary.batches
    assert sum(b.rows_read for b in report.batches) == sum(summary.rows.values())
    assert sum(b.rows_quarantined for b in report.batches) == 0
    with duckdb.connect(str(db_path), read_only=True) as con:
        for key, rows in summary.rows.items():
            table = contract.entities()[key].qualified_table
            assert con.execute(f"select count(*) from {table}").fetchone()[0] == rows, key
        assert con.execute("select bool_and(is_reconciled), count(*) from raw._load_log").fetchone() == (
            True,
            sum(len(b.files) for b in report.batches),
        )


def _built_after_the_clv_fit(manifest: dict) -> set[str]:
    """The nodes downstream of the fitted CLV tables: the clv stage builds them, not the first dbt build."""
    found: set[str] = set()
    todo = [node for node in manifest["child_map"] if node.startswith("source.") and ".clv_fit." in node]
    while todo:
        for child in manifest["child_map"][todo.pop()]:
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def test_dbt_built_every_model_and_passed_every_error_test(demo_run):
    _, report, db_path, _ = demo_run
    assert report.dbt.failures == []
    manifest = json.loads((db_path.parent / "dbt-target" / "manifest.json").read_text(encoding="utf-8"))
    later = _built_after_the_clv_fit(manifest)
    later_models = {node.split(".")[-1] for node in later if node.startswith("model.")}
    assert later_models == {"clv_by_segment", "channel_economics"}
    # every other model of the project was built, and built without error (zero models built would fail here)
    built = report.dbt.count("model", "success")
    assert built == report.dbt.count("model") == len(set(model_files()) - later_models) > 50
    # every data test ran: the tests of the manifest but those of the clv stage, none skipped, none errored
    data_tests = sum(node["resource_type"] == "test" and uid not in later for uid, node in manifest["nodes"].items())
    assert report.dbt.count("test", "pass") + report.dbt.count("test", "warn") == report.dbt.count("test") == data_tests
    with duckdb.connect(str(db_path), read_only=True) as con:
        # one staged row per lead, however many versions were delivered across batches
        raw_distinct = con.execute("select count(distinct lead_id) from raw.crm__leads").fetchone()[0]
        raw_versions = con.execute("select count(*) from raw.crm__leads").fetchone()[0]
        staged = con.execute("select count(*) from staging.stg_crm__leads").fetchone()[0]
    assert staged == raw_distinct
    assert raw_versions > raw_distinct, "the demo data should deliver several versions of some leads"


def test_a_second_run_loads_nothing_and_leaves_the_raw_data_as_it_was(demo_run, tmp_path):
    _, report, db_path, extracts = demo_run
    with duckdb.connect(str(db_path), read_only=True) as con:
        before = con.execute("select * from raw._batches order by all").fetchall()
    again = ingest(str(extracts), str(db_path.parent))
    assert again == []
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select * from raw._batches order by all").fetchall() == before


def test_every_dbt_unit_test_passes(demo_run):
    """Production runs leave unit tests out (they test the logic, not the data); CI runs them here."""
    from funnel import settings as config
    from funnel import transform

    db_path = demo_run[2]
    summary = transform.run_dbt(
        ["test", "--select", "test_type:unit"], config.Settings(db_path.parent, "Europe/Budapest", "2GB"), echo=None
    )
    assert summary.count("unit_test", "pass") == summary.count("unit_test") == len(declared_unit_tests())


def test_the_one_channel_the_demo_writes_without_a_mapping_row_is_counted_and_nothing_else(demo_run):
    """The generator writes 'TikTok Creator' leads on purpose, with no row in channel_mapping."""
    _, _, db_path, _ = demo_run
    with duckdb.connect(str(db_path), read_only=True) as con:
        unmapped = con.execute(
            "select vocabulary, model_name, source_value, row_count from diagnostics.unmapped_values"
        )
        rows = unmapped.fetchall()
        tiktok_leads = con.execute(
            "select count(*) from raw.crm__leads where lower(trim(channel)) = 'tiktok creator'"
        ).fetchone()[0]
        staged = con.execute("select count(*) from staging.stg_crm__leads where channel = 'unmapped'").fetchone()[0]
    assert [(v, m, s) for v, m, s, _ in rows] == [("channel", "stg_crm__leads", "tiktok creator")]
    assert rows[0][3] == staged > 0 and tiktok_leads >= staged
