"""The mart audit of a Spark build: the same saved suites, validated by Great Expectations' Spark execution engine.

The reconciliations of MART_RULES are `UnexpectedRowsExpectation`s; on Spark, GX registers the mart as the view
`{batch}` names and runs the query with Spark SQL, so a rule that reads another table (the staged receipts)
reads it from the same catalog the build wrote. The session is opened with the `spark` target's settings
(profiles.yml, rendered by funnel.spark_build.session_conf): the same master, tables and metastore as dbt's.
It runs in the audit worker's fork (funnel/quality/runner.py), so its JVM ends with the audit.
"""

from __future__ import annotations

import os
from pathlib import Path

from funnel.quality.rules import MART_RULES
from funnel.quality.runner import (
    ValidationReport,
    build_docs_on_failure,
    errored_outcome,
    outcomes_of,
    quiet_gx,
    runtime_context,
    saved_suite,
)
from funnel.quality.suites import gx, mart_suite_name

DATASOURCE = "spark_build"


def spark_session(conf: dict[str, str], env: dict[str, str]):
    """A Spark session with the build's settings and its catalog (Hive metastore)."""
    os.environ.update(env)  # SPARK_CONF_DIR and SPARK_LOCAL_IP reach the driver JVM that pyspark launches
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("sales-funnel-mart-audit").enableHiveSupport()
    for key, value in conf.items():
        if key != "spark.app.name":
            builder = builder.config(key, value)
    return builder.getOrCreate()


def _sample(spark, rows_query: str) -> str:
    """A few offending rows of a failed reconciliation (GX registered the mart as `tmp_view`)."""
    try:
        rows = spark.sql(rows_query.replace("{batch}", "tmp_view")).limit(3).collect()
    except Exception:  # noqa: BLE001 - a sample is a courtesy; the outcome stands without it
        return ""
    return f", e.g. {[tuple(str(v) for v in row) for row in rows]}" if rows else ""


def validate_spark_marts(db_path: Path, conf: dict[str, str], env: dict[str, str]) -> ValidationReport:
    """Validate the mart suites of MART_RULES against the Spark build's tables; never raises on data."""
    from pyspark.errors import AnalysisException

    report = ValidationReport("marts")
    spark = spark_session(conf, env)
    try:
        with quiet_gx():
            context = runtime_context(db_path)
            source = context.data_sources.add_or_update_spark(name=DATASOURCE)
            for name in MART_RULES:
                suite_name = mart_suite_name(*name.split("."))
                suite = saved_suite(context, suite_name, report)
                if suite is None:
                    continue
                try:
                    frame = spark.table(name)
                except AnalysisException as exc:
                    # fail closed: a mart the rules name that the build did not make must not be published
                    observed = " ".join(str(exc).split())[:300]
                    report.outcomes.append(errored_outcome(suite_name, "the mart was built", observed))
                    continue
                asset_name = suite_name.replace(".", "__")
                try:
                    asset = source.get_asset(asset_name)
                except LookupError:
                    asset = source.add_dataframe_asset(name=asset_name)
                batch_definition = next(iter(asset.batch_definitions), None) or (
                    asset.add_batch_definition_whole_dataframe("all")
                )
                definition = gx().ValidationDefinition(name=f"spark__{asset_name}", data=batch_definition, suite=suite)
                definition = context.validation_definitions.add_or_update(validation=definition)
                result = definition.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")
                report.outcomes.extend(outcomes_of(suite_name, result, {}, lambda query: _sample(spark, query)))
            build_docs_on_failure(context, db_path, report)
    finally:
        spark.stop()
    return report
