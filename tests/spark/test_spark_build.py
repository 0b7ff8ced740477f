"""The demo built on DuckDB and on a local Spark standalone cluster gives the same marts, table by table."""

from __future__ import annotations

from datetime import date

import pytest

from funnel import engine_compare, generate, ingest, spark_build, spark_cluster, warehouse
from funnel import settings as config
from funnel.transform import run_dbt

pytestmark = pytest.mark.spark

# A month of a very small business: every mart gets rows, and the Spark build stays within minutes.
DEMO = {"days": 30, "scale": 0.005, "seed": 42, "end_date": date(2026, 10, 31)}
MODELS_ONLY = ["--exclude", "resource_type:test", "resource_type:unit_test"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> config.Settings:
    """The demo loaded once, then built on DuckDB and on Spark (models and seeds)."""
    root = tmp_path_factory.mktemp("spark-demo")
    generate.generate(root / "extracts", **DEMO)
    settings = config.Settings(root / "warehouse", "Europe/Budapest", "1GB")
    con = warehouse.connect(settings)
    warehouse.ensure_raw_schema(con)
    for batch in ingest.discover_batches(root / "extracts"):
        ingest.load_batch(con, batch, timezone=settings.timezone)
    con.close()
    run_dbt(["build", *MODELS_ONLY], settings, echo=None)
    spark_build.build(settings, dbt_args=MODELS_ONLY, echo=None)
    return settings


def test_every_mart_built_on_spark_equals_the_duckdb_build(built: config.Settings) -> None:
    spark = spark_cluster.load_settings(built)
    results = engine_compare.compare_marts(built.db_path, spark.cluster_dir / "tables")
    assert len(results) >= 20  # every mart of the four areas, not an empty comparison
    assert all(result.duckdb_rows > 0 for result in results if result.name != "diagnostics.open_diagnostics")
    assert all(result.matches for result in results), engine_compare.report(results)


def test_the_build_left_no_cluster_running(built: config.Settings) -> None:
    assert not spark_cluster.status(spark_cluster.load_settings(built)).running
