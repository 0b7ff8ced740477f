"""The main job's stages on Spark: lake export, dbt build, mart audit, and the marts to publish.

`funnel run --engine spark` (or FUNNEL_DBT_TARGET=spark) runs the same flow as on DuckDB (flows/pipeline.py):
the loader writes DuckDB's raw schema, which stays the record, and the raw audit runs there. Then the new
and re-delivered batches go to the lake, dbt builds on Spark, Great Expectations' Spark engine audits that
build, and its marts go into the same publication readers open whatever the engine (funnel/publish.py).

The master is the setting spark_master (FUNNEL_SPARK_MASTER), else the local cluster: one already running
is used and left running; with `--start-cluster` one is started as the run begins (it comes up while the
batches load) and stopped when the run ends, whatever the outcome.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from funnel import engine_compare, lake, quality, spark_build, spark_cluster, transform
from funnel import settings as config
from funnel.publish import MART_SCHEMAS

DBT_TIMEOUT_SECONDS = 3600
# unit tests pin logic with hand-worked rows: they belong in CI (make test), not in every run
BUILD_ARGS = ["--exclude-resource-type", "unit_test"]


@dataclass
class SparkEngine:
    """The Spark side of one run: where the master is, and the local cluster this run started, if any."""

    settings: config.Settings
    start_cluster: bool
    _master: str | None = None
    _error: BaseException | None = None
    _started: spark_cluster.ClusterState | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    def open(self) -> None:
        """Find the master; start the local cluster in the background when this run must."""
        if self.settings.spark_master:
            self._master = self.settings.spark_master
            self._ready.set()
            return
        cluster = spark_cluster.load_settings(self.settings)
        current = spark_cluster.ClusterState.read(cluster.state_path)
        if current and spark_cluster.status(cluster).running:
            self._master = current.master_url
            self._ready.set()
            return
        if not self.start_cluster:
            raise spark_build.SparkNotReady(
                "engine spark needs a Spark master: pass --start-cluster, start one with `make spark-up`, "
                "or set FUNNEL_SPARK_MASTER"
            )
        threading.Thread(target=self._start, args=(cluster,), daemon=True, name="spark-cluster").start()

    def _start(self, cluster: spark_cluster.SparkSettings) -> None:
        try:
            self._started = spark_cluster.start(cluster, echo=None)
            self._master = self._started.master_url
        except BaseException as exc:  # noqa: BLE001 - reported by master_url(), in the stage that needs it
            self._error = exc
        finally:
            self._ready.set()

    def master_url(self) -> str:
        """The master's URL, once the cluster this run starts is up."""
        self._ready.wait()
        if self._error is not None:
            raise self._error
        assert self._master is not None
        return self._master

    def close(self) -> None:
        """Stop the cluster if this run started it (waiting for a start still under way)."""
        if self.start_cluster and not self.settings.spark_master:
            self._ready.wait()
            if self._started is not None:
                spark_cluster.stop(spark_cluster.load_settings(self.settings), echo=None)


@contextmanager
def spark_engine(settings: config.Settings, start_cluster: bool) -> Iterator[SparkEngine]:
    """The Spark side of a run, for as long as the run lasts."""
    engine = SparkEngine(settings, start_cluster)
    engine.open()
    try:
        yield engine
    finally:
        engine.close()


@task(cache_policy=NO_CACHE)
def export_lake(settings: config.Settings) -> lake.ExportSummary:
    """Export the batches that are new or delivered again to the lake (Parquet, a partition per batch)."""
    return spark_build.export_lake(settings, echo=get_run_logger().info)


@task(cache_policy=NO_CACHE)
def spark_dbt_build(settings: config.Settings, engine: SparkEngine) -> transform.DbtSummary:
    """Seed, build and test the dbt project on Spark; fails when a model or an error-severity test fails.

    Always in full: the models DuckDB builds incrementally by key are tables on Spark (docs/spark.md), so
    an incremental run and a full one give the same marts by construction. No retry: a failed test fails again.
    """
    logger = get_run_logger()
    master_url = engine.master_url()
    logger.info("dbt builds on Spark (%s) in full: models rebuilt by key are tables there", master_url)
    echo = transform.progress_echo(logger.info)
    return spark_build.run_build(settings, master_url, BUILD_ARGS, echo, timeout=DBT_TIMEOUT_SECONDS)


@task(cache_policy=NO_CACHE)
def validate_spark_marts(
    settings: config.Settings, worker: quality.AuditWorker, engine: SparkEngine
) -> quality.ValidationReport:
    """Reconcile the marts of the Spark build with GX's Spark execution engine, before anything is published."""
    master_url = engine.master_url()
    env = spark_build.dbt_spark_env(settings, master_url)
    audit = {
        "conf": spark_build.session_conf(settings, master_url),
        "env": {name: env[name] for name in ("SPARK_CONF_DIR", "SPARK_LOCAL_IP", "PYTHONWARNINGS")},
    }
    result = quality.validate_marts(settings, worker, spark=audit)
    get_run_logger().info(quality.summarize(result))
    return result


def mart_queries(settings: config.Settings) -> dict[str, str]:
    """A DuckDB query per mart table of the Spark build, reading its Parquet files (timestamps as naive UTC)."""
    import duckdb

    tables = spark_cluster.load_settings(settings).cluster_dir / "tables"
    queries: dict[str, str] = {}
    with duckdb.connect() as con:
        for schema in MART_SCHEMAS:
            folder = tables / f"{schema}.db"
            for table in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
                files = engine_compare.spark_table_files(table)
                if files:
                    queries[f"{schema}.{table.name}"] = engine_compare.spark_table_select(con, files)
    return queries
