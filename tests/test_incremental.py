"""Incremental builds give exactly what a full build gives, batch after batch.

The demo is loaded a few batches at a time; after each delivery dbt builds what the new batches
touch (as the pipeline does: funnel.changes plans, macros/incremental filters), and at the end a
full build of the same data in another warehouse must hold the same rows in every mart.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from funnel import changes, demo, generate, ingest, publish, transform, warehouse
from funnel import settings as config

pytestmark = [pytest.mark.dbt]

# dbt run, not build: the data tests are the pipeline's business; here only the rows matter
RUN = ["run"]


def _load(settings: config.Settings, extracts, batch_ids: list[str]) -> None:
    with warehouse.connect(settings) as con:
        warehouse.ensure_raw_schema(con)
        for batch_id in batch_ids:
            ingest.load_batch(con, extracts / batch_id, timezone=settings.timezone)


def _build(settings: config.Settings, full_refresh: bool = False) -> changes.BuildPlan:
    plan = changes.plan_build(settings, full_refresh)
    args = [*RUN, "--full-refresh"] if plan.full else RUN
    transform.run_dbt(["seed"], settings, echo=None)
    transform.run_dbt(args, settings, echo=None)
    changes.record_build(settings, plan)
    return plan


def _marts(db_path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables where table_type = 'BASE TABLE' "
            f"and table_schema in ({', '.join(repr(s) for s in (*publish.MART_SCHEMAS, 'staging'))}) order by 1"
        ).fetchall()
        return {t: con.execute(f"select {_columns(con, t)} from {t} order by all").fetchall() for (t,) in tables}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Every column, doubles rounded to 9 decimals: a sum of doubles in another order differs in its last bits."""
    columns = con.execute(f"select column_name, column_type from (describe {table})").fetchall()
    return ", ".join(
        f'round("{name}", 9) as "{name}"' if data_type in ("DOUBLE", "FLOAT") else f'"{name}"'
        for name, data_type in columns
    )


@pytest.fixture(scope="module")
def demo_extracts(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    generate.generate(root / "extracts", **demo.DEMO_ARGS)
    return root


def test_batch_by_batch_equals_a_full_build(demo_extracts):
    extracts = demo_extracts / "extracts"
    batches = sorted(p.name for p in extracts.iterdir() if p.is_dir())
    incremental = config.Settings(demo_extracts / "incremental", "Europe/Budapest", "2GB")
    full = config.Settings(demo_extracts / "full", "Europe/Budapest", "2GB")

    # a first build, then one batch at a time: each of those builds is incremental
    first = 10
    _load(incremental, extracts, batches[:first])
    assert _build(incremental).full
    for batch_id in batches[first:]:
        _load(incremental, extracts, [batch_id])
        plan = _build(incremental)
        assert not plan.full and plan.batches == [batch_id], plan.reason

    _load(full, extracts, batches)
    assert _build(full).full

    built, expected = _marts(incremental.db_path), _marts(full.db_path)
    assert built.keys() == expected.keys()
    different = [name for name in expected if built[name] != expected[name]]
    assert different == [], f"incremental builds differ from a full build in {different}"


def test_a_redelivered_batch_or_another_setting_builds_in_full(demo_extracts):
    extracts = demo_extracts / "extracts"
    batches = sorted(p.name for p in extracts.iterdir() if p.is_dir())
    settings = config.Settings(demo_extracts / "redelivery", "Europe/Budapest", "2GB")
    _load(settings, extracts, batches[:3])
    changes.record_build(settings, changes.plan_build(settings))
    assert not changes.plan_build(settings).full  # nothing new: incremental, with no batch

    redelivered = demo_extracts / "redelivered"
    shutil.copytree(extracts / batches[2], redelivered / batches[2])
    (redelivered / batches[2] / "_manifest.json").unlink(missing_ok=True)  # the delivery changes its counts
    spend = redelivered / batches[2] / "marketing" / "spend.csv"
    spend.write_text("\n".join(spend.read_text(encoding="utf-8").splitlines()[:-1]) + "\n", encoding="utf-8")
    _load(settings, redelivered, [batches[2]])
    plan = changes.plan_build(settings)
    assert plan.full and "delivered again" in plan.reason

    changes.record_build(settings, plan)
    other = config.load(settings.warehouse_dir, {"conversion_window_days": "30"})
    plan = changes.plan_build(other)
    assert plan.full and "settings changed" in plan.reason
