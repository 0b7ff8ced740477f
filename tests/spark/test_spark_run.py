"""`funnel run` on Spark: the demo built on a local standalone cluster, audited there, published, and equal to
the DuckDB build of the same batches, mart by mart."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows import spark_stages
from flows.pipeline import PipelineReport, QualityGateError, pipeline
from funnel import engine_compare, generate, publish, spark_cluster
from funnel import settings as config
from funnel.transform import run_dbt

pytestmark = [pytest.mark.spark, pytest.mark.spark_run, pytest.mark.prefect]

# Three weeks of a very small business: every mart gets rows, and the Spark run stays within minutes.
DEMO = {"days": 21, "scale": 0.005, "seed": 42, "end_date": date(2026, 10, 31)}
AS_OF = "2026-10-31"
# On Spark every data test is a Spark job (about a second each here, ~550 of them): CI keeps the singular
# tests (the marts' reconciliations) and leaves the generic ones to a real run.
CI_BUILD_ARGS = ["--exclude-resource-type", "unit_test", "--exclude", "test_type:generic"]
MODELS_ONLY = ["--exclude", "resource_type:test", "resource_type:unit_test"]


@pytest.fixture(scope="module")
def spark_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PipelineReport, config.Settings]:
    """The demo run on Spark (a cluster started for the run), then the DuckDB build of the same raw batches."""
    root = tmp_path_factory.mktemp("spark-run")
    generate.generate(root / "extracts", **DEMO)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spark_stages, "BUILD_ARGS", CI_BUILD_ARGS)
        report = pipeline(
            str(root / "extracts"), str(root / "wh"), as_of=AS_OF, settings={"engine": "spark"}, start_cluster=True
        )
    settings = config.load(root / "wh", {"as_of_date": AS_OF})
    assert settings.engine == "duckdb"
    run_dbt(["build", *MODELS_ONLY], settings, echo=None)
    return root, report, settings


def test_the_run_built_and_audited_the_marts_on_spark(spark_run) -> None:
    _, report, _ = spark_run
    assert report.dbt.failures == []
    assert report.dbt.count("model") >= 50 and report.dbt.count("model", "success") == report.dbt.count("model")
    assert report.dbt.count("test") > 0  # the marts' singular reconciliations ran on Spark
    assert report.mart_audit.scope == "marts" and report.mart_audit.outcomes and report.mart_audit.passed


def test_every_mart_built_on_spark_equals_the_duckdb_build(spark_run) -> None:
    _, _, settings = spark_run
    spark_tables = spark_cluster.load_settings(settings).cluster_dir / "tables"
    results = engine_compare.compare_marts(settings.db_path, spark_tables)
    assert len(results) >= 20  # every mart of the four areas, not an empty comparison
    assert all(result.duckdb_rows > 0 for result in results if result.name != "diagnostics.open_diagnostics")
    assert all(result.matches for result in results), engine_compare.report(results)


def test_the_publication_holds_the_spark_marts_with_the_duckdb_builds_rows(spark_run) -> None:
    _, report, settings = spark_run
    now = publish.current(settings)
    assert now is not None and now.engine == "spark" and now.run_id == report.run_id
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        duck = {f"{schema}.{table}": rows for schema, table, rows in _mart_counts(con)}
    published = {name: rows for name, rows in now.tables.items() if name.split(".")[0] in publish.MART_SCHEMAS}
    assert published == duck


def test_the_run_stopped_the_cluster_it_started(spark_run) -> None:
    _, _, settings = spark_run
    assert not spark_cluster.status(spark_cluster.load_settings(settings)).running


def test_a_poisoned_batch_is_blocked_on_spark_and_the_publication_stays(spark_run, sell_in_an_unknown_store) -> None:
    root, report, _ = spark_run
    extracts = root / "poisoned"
    shutil.copytree(root / "extracts", extracts)
    sell_in_an_unknown_store(sorted(p for p in extracts.iterdir() if p.is_dir())[-1])
    # No master listens there: the raw audit must block the run before Spark is asked for anything.
    overrides = {"engine": "spark", "spark_master": "spark://127.0.0.1:9"}
    with pytest.raises(QualityGateError, match="raw audit failed"):
        pipeline(str(extracts), str(root / "wh"), as_of=AS_OF, settings=overrides)
    now = publish.current(config.load(root / "wh"))
    assert now is not None and now.run_id == report.run_id


def _mart_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(schema, table, rows) of every mart table of the DuckDB build (what a publication copies)."""
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' "
        f"and table_schema in ({', '.join(repr(s) for s in publish.MART_SCHEMAS)})"
    ).fetchall()
    return [(s, t, con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]) for s, t in tables]
