"""The main job: load → validate raw batches → dbt build → CLV → validate marts → publish → report.

Nothing reaches the published warehouse unless both audits pass. Every stage's outcome, duration
and row counts, and every run's outcome (published, blocked or failed), go to the run log
(`funnel.runlog`); a failing stage stops the run with a readable reason and leaves the last
publication untouched. The settings are resolved once, checked, and handed to every task.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.ingest import load_batches
from funnel import alerts, changes, clv_scoring, demo, publish, quality, report, runlog, transform
from funnel import ingest as loader
from funnel import settings as config
from funnel.retry import transient_failure

DBT_TIMEOUT_SECONDS = 3600


class QualityGateError(RuntimeError):
    """A critical expectation failed or errored: the run stops before publishing."""


@dataclass
class PipelineReport:
    run_id: str
    extracts: str
    db_path: str
    batches: list[loader.BatchResult] = field(default_factory=list)
    raw_audit: quality.ValidationReport | None = None
    dbt: transform.DbtSummary | None = None
    clv: clv_scoring.ClvRun | None = None
    mart_audit: quality.ValidationReport | None = None
    publication: publish.Publication | None = None
    published_db: str | None = None


def _stage(settings: config.Settings, run_id: str, name: str, fn: Callable[[], Any], rows=None) -> Any:
    """Run one stage and record its outcome, duration and rows in the run log, failed or not."""
    record = runlog.StageRecord(run_id=run_id, stage=name)
    logger = get_run_logger()
    started = time.monotonic()
    try:
        value = fn()
    except BaseException as exc:
        record.status, record.detail = "failed", one_line(exc)[:2000]
        record.finished_at = runlog.utc_now()
        runlog.record(settings, record)
        alerts.mark_stage(exc, name)
        logger.error("stage %s failed after %.1fs: %s", name, time.monotonic() - started, one_line(exc))
        raise
    record.status = "success"
    record.finished_at = runlog.utc_now()
    record.rows_affected = rows(value) if rows else None
    runlog.record(settings, record)
    logger.info("stage %s finished in %.1fs", name, time.monotonic() - started)
    return value


def one_line(exc: BaseException) -> str:
    """An exception as one readable line: its message (the type when it has none)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


@task(cache_policy=NO_CACHE)
def demo_extracts(target: str) -> str:
    """Generate the demo extracts once; later runs reuse them (generation is deterministic)."""
    return str(demo.ensure_demo_extracts(Path(target), echo=get_run_logger().info))


@task(cache_policy=NO_CACHE)
def validate_raw(settings: config.Settings, worker: quality.AuditWorker) -> quality.ValidationReport:
    """Audit every batch not yet audited with success in its current delivery."""
    result = quality.validate_pending_batches(settings, worker)
    get_run_logger().info(quality.summarize(result))
    return result


@task(cache_policy=NO_CACHE)
def dbt_build(settings: config.Settings, full_refresh: bool) -> transform.DbtSummary:
    """Seed, build and test the dbt project: only what the new batches touch, or everything when it
    must (funnel/changes.py says when); fails when a model or an error-severity test fails.

    No retry: a failed test or model fails the same way again.
    """
    logger = get_run_logger()
    plan = changes.plan_build(settings, full_refresh)
    logger.info("dbt builds %s: %s", "in full" if plan.full else "incrementally", plan.reason)
    # unit tests pin logic with hand-worked rows: they belong in CI (make test), not in every run
    # what reads the CLV fit is built after it, by the clv stage
    args = ["build", "--exclude-resource-type", "unit_test", "--exclude", clv_scoring.ROLLUPS]
    if plan.full:
        args.append("--full-refresh")
    summary = transform.run_dbt(args, settings, echo=transform.progress_echo(logger.info), timeout=DBT_TIMEOUT_SECONDS)
    changes.record_build(settings, plan)
    return summary


@task(cache_policy=NO_CACHE)
def clv_stage(settings: config.Settings, run_id: str) -> clv_scoring.ClvRun:
    """Fit the CLV models as of the run's as-of date, score every customer and build the roll-ups
    (funnel/clv_scoring.py). A refused fit scores nobody, says why, and the run goes on."""
    logger = get_run_logger()
    result = clv_scoring.score_customers(settings, run_id, echo=logger.info)
    clv_scoring.build_rollups(settings, echo=transform.progress_echo(logger.info))
    return result


@task(cache_policy=NO_CACHE)
def validate_marts(settings: config.Settings, worker: quality.AuditWorker) -> quality.ValidationReport:
    """Reconcile the marts of the build database before anything is published."""
    result = quality.validate_marts(settings, worker)
    get_run_logger().info(quality.summarize(result))
    return result


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 5], retry_condition_fn=transient_failure)
def publish_marts(
    settings: config.Settings, run_id: str, keep: int, marts: dict[str, str] | None = None
) -> publish.Publication:
    """Copy the audited marts (of the build database, or `marts`: queries of another engine's build) into a
    new publication and swap it in atomically."""
    extra = {
        "meta.data_quality": "select * from build.ops.validation_results",
        "meta.run_log": "select * from build.ops.run_log",
        "meta.load_log": "select * from build.raw._load_log",
        # the raw lines stay behind: they may hold personal data
        "meta.quarantine": "select * exclude (raw_line) from build.raw._quarantine",
        "meta.settings": "select * from build.ops.settings",
    }
    publication = publish.build_publication(
        settings,
        run_id=run_id,
        extra_tables=extra,
        build_fingerprint=changes.build_fingerprint(settings),
        marts=marts,
        engine=settings.engine,
    )
    return publish.publish(settings, publication, keep=keep)


def _gate(result: quality.ValidationReport) -> None:
    if not result.passed:
        summary = quality.summarize(result)
        error = QualityGateError(f"the {result.scope} audit failed; nothing was published.\n{summary}")
        alerts.mark_stage(error, f"validate_{result.scope}")  # the audit stage that blocked, for the alert
        raise error


# A failed or blocked run (and a crashed one) notifies its owners once: funnel/alerts.py.
@flow(
    name="funnel-pipeline",
    log_prints=True,
    on_failure=[alerts.on_run_failure],
    on_crashed=[alerts.on_run_failure],
)
def pipeline(
    extracts: str | None = None,
    warehouse_dir: str | None = None,
    batches: list[str] | None = None,
    as_of: str | None = None,
    full_refresh: bool = False,
    force_reload: bool = False,
    keep_publications: int = 5,
    wait_seconds: float = 0.0,
    settings: dict[str, str] | None = None,
    start_cluster: bool = False,
) -> PipelineReport:
    """Run the whole job on one warehouse; `extracts` defaults to generated demo data.

    `settings` overrides settings for this run (name -> value, as `funnel run --set`); `as_of`
    is the setting as_of_date. With the setting engine=spark, dbt builds on Spark and the marts are audited
    there (flows/spark_stages.py); `start_cluster` starts a local Spark cluster for the run.
    """
    overrides = dict(settings or {})
    if as_of:
        overrides["as_of_date"] = as_of
    resolved = config.load(warehouse_dir, overrides)
    if extracts is None:
        extracts = demo_extracts(str(demo.DEFAULT_DEMO_DIR))
    with runlog.exclusive_run(resolved, wait_seconds) as run_id:
        print(f"run {run_id} on {resolved.warehouse_dir} from {extracts}")
        result = PipelineReport(run_id=run_id, extracts=extracts, db_path=str(resolved.db_path))
        outcome = runlog.StageRecord(run_id=run_id, stage="run")
        try:
            # the audit worker imports Great Expectations (and a local Spark cluster starts) while the batches load
            with quality.AuditWorker() as worker, _spark(resolved, start_cluster) as spark:
                _run_stages(
                    result,
                    resolved,
                    run_id,
                    extracts,
                    batches,
                    full_refresh,
                    force_reload,
                    keep_publications,
                    worker,
                    spark,
                )
        except BaseException as exc:
            outcome.status = "blocked" if isinstance(exc, QualityGateError) else "failed"
            outcome.detail = one_line(exc)[:2000]
            raise
        else:
            outcome.status = "published"
            outcome.detail = result.publication.id if result.publication else None
        finally:
            outcome.finished_at = runlog.utc_now()
            runlog.record(resolved, outcome)
    return result


def _spark(settings: config.Settings, start_cluster: bool):
    """The Spark side of a run on engine spark (flows/spark_stages.py), else nothing."""
    if settings.engine != "spark":
        return nullcontext()
    from flows import spark_stages

    return spark_stages.spark_engine(settings, start_cluster)


def _run_stages(
    result: PipelineReport,
    settings: config.Settings,
    run_id: str,
    extracts: str,
    batches: list[str] | None,
    full_refresh: bool,
    force_reload: bool,
    keep_publications: int,
    worker: quality.AuditWorker,
    spark: Any = None,
) -> None:
    result.batches = _stage(
        settings,
        run_id,
        "load",
        lambda: load_batches(extracts, settings, batches, force_reload),
        rows=lambda r: sum(b.rows_loaded for b in r),
    )
    result.raw_audit = _stage(
        settings, run_id, "validate_raw", lambda: validate_raw(settings, worker), rows=lambda r: len(r.outcomes)
    )
    _gate(result.raw_audit)
    build, audit, marts = _engine_stages(settings, run_id, full_refresh, worker, spark)
    result.dbt = _stage(settings, run_id, "dbt_build", build, rows=lambda s: s.count("model"))
    if spark is None:  # the CLV models are fitted on the DuckDB build only (docs/clv.md)
        result.clv = _stage(settings, run_id, "clv", lambda: clv_stage(settings, run_id), rows=lambda r: r.scored)
    result.mart_audit = _stage(settings, run_id, "validate_marts", audit, rows=lambda r: len(r.outcomes))
    quality.store_results(settings, run_id, [result.raw_audit, result.mart_audit])
    _gate(result.mart_audit)
    transform.store_settings(settings)
    with duckdb.connect(str(settings.db_path)) as con:
        runlog.copy_to_table(settings, con)
    result.publication = _stage(
        settings,
        run_id,
        "publish",
        lambda: publish_marts(settings, run_id, keep_publications, marts()),
        rows=lambda p: sum(p.tables.values()),
    )
    result.published_db = str(publish.published_db(settings))
    _stage(settings, run_id, "report", lambda: _artifacts(result, settings))


def _engine_stages(
    settings: config.Settings, run_id: str, full_refresh: bool, worker: quality.AuditWorker, spark: Any
) -> tuple[Callable[[], Any], Callable[[], Any], Callable[[], dict[str, str] | None]]:
    """The build, the mart audit and the marts to publish, on DuckDB or, with `spark`, on Spark (after
    exporting the new batches to its lake: a stage of its own)."""
    if spark is None:
        return lambda: dbt_build(settings, full_refresh), lambda: validate_marts(settings, worker), lambda: None
    from flows import spark_stages

    export = lambda: spark_stages.export_lake(settings)  # noqa: E731
    _stage(settings, run_id, "lake_export", export, rows=lambda summary: sum(summary.rows.values()))
    return (
        lambda: spark_stages.spark_dbt_build(settings, spark),
        lambda: spark_stages.validate_spark_marts(settings, worker, spark),
        lambda: spark_stages.mart_queries(settings),
    )


def _artifacts(result: PipelineReport, settings: config.Settings) -> None:
    """A Markdown summary, a link to the publication's static report, and the headline funnel."""
    markdown = report.run_markdown(result)
    create_markdown_artifact(key="funnel-run-summary", markdown=markdown, description=f"run {result.run_id}")
    html = result.publication.path / "report.html"
    create_link_artifact(key="funnel-report", link=html.resolve().as_uri(), description="static HTML report")
    rows = report.headline_funnel(publish.published_db(settings))
    if rows:
        create_table_artifact(key="headline-funnel", table=rows, description="outbound and inbound funnel, all time")
    print(markdown)


if __name__ == "__main__":
    pipeline()
