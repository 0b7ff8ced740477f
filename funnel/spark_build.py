"""Build the dbt project on Spark: raw batches exported to the lake, then one `dbt build` that declares them.

The DuckDB warehouse stays the loader's record; Spark reads its raw batches as Parquet (`funnel/lake.py`).
The build goes to the master of the setting `spark_master` (FUNNEL_SPARK_MASTER), else to the local standalone
cluster: one already running (`make spark-up`) is used and left running; one started for the build
(`start_cluster`) is stopped after it. `dbt build` declares the raw tables itself, in its on-run-start hook
(macros/spark/register_raw_tables.sql), so a build starts one JVM and one Spark session, not two.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
import typer
import yaml

from funnel import lake, spark_cluster
from funnel import settings as config
from funnel.settings import Settings
from funnel.transform import DbtError, DbtSummary, run_dbt

TARGET = "spark"


class SparkNotReady(RuntimeError):
    """The Spark engine cannot run here as configured; the message says what to do."""


def target_of(settings: Settings) -> str:
    """The dbt target of a Spark build: the settings' own when they name a Spark target, else `spark`."""
    return settings.target if settings.engine == "spark" else TARGET


def dbt_spark_env(settings: Settings, master_url: str) -> dict[str, str]:
    """What profiles.yml's `spark` target reads, on top of the DuckDB target's variables."""
    spark = spark_cluster.load_settings(settings)
    return {
        "FUNNEL_DBT_TARGET": target_of(settings),
        "FUNNEL_SPARK_MASTER": master_url,
        # Tables, metastore and the local cluster share the warehouse's spark/ folder.
        "FUNNEL_SPARK_DIR": str(spark.cluster_dir),
        # Set, the on-run-start hook declares the raw tables over this lake.
        "FUNNEL_LAKE_DIR": str(lake.lake_dir(settings)),
        # The driver inside dbt is launched by pyspark's spark-submit: the same logging and loopback address.
        "SPARK_CONF_DIR": str(spark_cluster.write_conf(spark)),
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", spark_cluster.LOOPBACK),
        # pyspark 4.3 warns on import that it does not yet fully support pandas 3; dbt never hands it pandas.
        "PYTHONWARNINGS": ",".join(
            filter(None, [os.environ.get("PYTHONWARNINGS"), "ignore::FutureWarning:pyspark.testing.utils"])
        ),
    }


def session_conf(settings: Settings, master_url: str) -> dict[str, str]:
    """The Spark session of the `spark` target as dbt opens it (profiles.yml's server_side_parameters, rendered
    with the build's environment), so that other sessions (the mart audit) see the same cluster and catalog."""
    env = os.environ | dbt_spark_env(settings, master_url)
    renderer = jinja2.Environment(undefined=jinja2.StrictUndefined)
    renderer.globals["env_var"] = lambda name, default=None: env.get(name, default)
    for name in ("as_number", "as_bool", "as_text", "as_native"):
        renderer.filters[name] = lambda value: value
    text = renderer.from_string(config.profiles_path().read_text(encoding="utf-8")).render()
    output: dict[str, Any] = yaml.safe_load(text)["sales_funnel"]["outputs"][TARGET]
    return {str(key): str(value) for key, value in output.get("server_side_parameters", {}).items()}


def check_ready(settings: Settings, start_cluster: bool) -> None:
    """Everything a Spark run needs that can be checked in a second, before anything starts."""
    if settings.target != TARGET:
        raise SparkNotReady(
            f"funnel run on Spark audits and publishes through a Spark session, so it builds with the `{TARGET}` "
            f"target (method: session); {settings.target} serves `funnel dbt` (see docs/spark.md)"
        )
    if importlib.util.find_spec("pyspark") is None:
        raise SparkNotReady("pyspark is not installed: run `make .venv` (requirements.lock pins it)")
    if settings.spark_master:
        return
    try:
        spark = spark_cluster.load_settings(settings)
        spark_cluster.java_executable()
    except spark_cluster.SparkClusterError as exc:
        raise SparkNotReady(str(exc)) from None
    if not start_cluster and not spark_cluster.status(spark).running:
        raise SparkNotReady(
            "engine spark needs a Spark master: pass --start-cluster (a local cluster for this run), start one "
            "with `make spark-up`, or set FUNNEL_SPARK_MASTER"
        )


@contextmanager
def spark_master(
    settings: Settings, start_cluster: bool = True, echo: Callable[[str], None] | None = print
) -> Iterator[str]:
    """The setting spark_master when set, else a running local cluster's URL (left running), else one started
    for the block when `start_cluster` (stopped after it)."""
    if settings.spark_master:
        yield settings.spark_master
        return
    spark = spark_cluster.load_settings(settings)
    if not start_cluster and not spark_cluster.status(spark).running:
        raise SparkNotReady("no local Spark cluster runs: start one with `make spark-up` or pass --start-cluster")
    with spark_cluster.running_cluster(spark, echo=echo) as master_url:
        yield master_url


def export_lake(settings: Settings, echo: Callable[[str], None] | None = print) -> lake.ExportSummary:
    """Bring the lake up to date with the warehouse: new and re-delivered batches, removed ones."""
    summary = lake.export_warehouse(settings)
    if echo:
        echo(summary.describe())
    return summary


def run_build(
    settings: Settings,
    master_url: str,
    dbt_args: list[str] | None = None,
    echo: Callable[[str], None] | None = print,
    timeout: float | None = None,
) -> DbtSummary:
    """`dbt build` on Spark (seeds, models, tests); its on-run-start hook declares the raw tables first."""
    env = dbt_spark_env(settings, master_url)
    return run_dbt(["build", *(dbt_args or [])], settings, echo=echo, extra_env=env, timeout=timeout)


def build(
    settings: Settings,
    batch_ids: Iterable[str] | None = None,
    dbt_args: list[str] | None = None,
    echo: Callable[[str], None] | None = print,
) -> DbtSummary:
    """Export the batches (default: what changed) to the lake, then `dbt build` on Spark."""
    summary = lake.export_warehouse(settings, batch_ids)
    if echo:
        echo(summary.describe())
    with spark_master(settings, echo=echo) as master_url:
        return run_build(settings, master_url, dbt_args, echo)


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def main(
    ctx: typer.Context,
    warehouse: Path | None = spark_cluster.WarehouseOption,
) -> None:
    """Build the dbt project on Spark from the warehouse's raw batches; extra arguments go to `dbt build`."""
    try:
        summary = build(config.load(warehouse), dbt_args=list(ctx.args))
    except (DbtError, spark_cluster.SparkClusterError, SparkNotReady, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"spark build: {dict(summary.statuses)}")


if __name__ == "__main__":
    app()
