"""Build the dbt project on Spark: raw batches exported to the lake, declared as tables, then seed and build.

The DuckDB warehouse stays the loader's record; Spark reads its raw batches as Parquet (`funnel/lake.py`).
With FUNNEL_SPARK_MASTER set the build goes to that master; otherwise a local standalone cluster is started
for the build (or reused when `python -m funnel.spark_cluster start` already runs one) and stopped after.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from funnel import lake, spark_cluster
from funnel import settings as config
from funnel.settings import Settings
from funnel.transform import DbtError, DbtSummary, run_dbt

TARGET = "spark"


def dbt_spark_env(settings: Settings, master_url: str) -> dict[str, str]:
    """What profiles.yml's `spark` target reads, on top of the DuckDB target's variables."""
    spark = spark_cluster.load_settings(settings)
    return {
        "FUNNEL_DBT_TARGET": os.environ.get("FUNNEL_DBT_TARGET", TARGET),
        "FUNNEL_SPARK_MASTER": master_url,
        # Tables, metastore and the local cluster share the warehouse's spark/ folder.
        "FUNNEL_SPARK_DIR": str(spark.cluster_dir),
        "FUNNEL_LAKE_DIR": str(lake.lake_dir(settings)),
        # The driver inside dbt is launched by pyspark's spark-submit: the same logging and loopback address.
        "SPARK_CONF_DIR": str(spark_cluster.write_conf(spark)),
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", spark_cluster.LOOPBACK),
        # pyspark 4.3 warns on import that it does not yet fully support pandas 3; dbt never hands it pandas.
        "PYTHONWARNINGS": ",".join(
            filter(None, [os.environ.get("PYTHONWARNINGS"), "ignore::FutureWarning:pyspark.testing.utils"])
        ),
    }


@contextmanager
def spark_master(settings: Settings, echo: Callable[[str], None] | None = print) -> Iterator[str]:
    """FUNNEL_SPARK_MASTER when set, else the URL of a local cluster that lives as long as the block."""
    configured = os.environ.get("FUNNEL_SPARK_MASTER", "").strip()
    if configured:
        yield configured
        return
    with spark_cluster.running_cluster(spark_cluster.load_settings(settings), echo=echo) as master_url:
        yield master_url


def build(
    settings: Settings,
    batch_ids: Iterable[str] | None = None,
    dbt_args: list[str] | None = None,
    echo: Callable[[str], None] | None = print,
) -> DbtSummary:
    """Export the batches (default: all) to the lake, declare the raw tables, then `dbt build` on Spark."""
    summary = lake.export_warehouse(settings, batch_ids)
    if echo:
        echo(f"lake: {sum(summary.rows.values())} raw rows of {len(summary.batches)} batch(es) in {summary.lake}")
    with spark_master(settings, echo=echo) as master_url:
        env = dbt_spark_env(settings, master_url)
        run_dbt(["run-operation", "register_raw_tables"], settings, echo=echo, extra_env=env)
        return run_dbt(["build", *(dbt_args or [])], settings, echo=echo, extra_env=env)


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def main(
    ctx: typer.Context,
    warehouse: Path | None = spark_cluster.WarehouseOption,
) -> None:
    """Build the dbt project on Spark from the warehouse's raw batches; extra arguments go to `dbt build`."""
    try:
        summary = build(config.load(warehouse), dbt_args=list(ctx.args))
    except (DbtError, spark_cluster.SparkClusterError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"spark build: {dict(summary.statuses)}")


if __name__ == "__main__":
    app()
