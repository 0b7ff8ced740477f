"""The main job: load → validate raw batches → dbt build → validate marts → publish → report.

Nothing reaches the published warehouse unless both audits pass. Every stage's outcome, duration
and row counts go to `ops.run_log` in the build database; a failing stage stops the run with a
readable reason and leaves the last publication untouched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.ingest import ingest
from funnel import alerts, demo, publish, quality, report, runlog, transform
from funnel import ingest as loader
from funnel import settings as config

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
    mart_audit: quality.ValidationReport | None = None
    publication: publish.Publication | None = None
    published_db: str | None = None


def _stage(settings: config.Settings, run_id: str, name: str, fn: Callable[[], Any], rows=None) -> Any:
    """Run one stage and record its outcome, duration and rows in ops.run_log, failed or not."""
    record = runlog.StageRecord(run_id=run_id, stage=name)
    logger = get_run_logger()
    started = time.monotonic()
    try:
        value = fn()
    except BaseException as exc:
        record.status, record.detail = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        record.finished_at = runlog.utc_now()
        runlog.record(settings, record)
        alerts.mark_stage(exc, name)
        logger.error("stage %s failed after %.1fs: %s", name, time.monotonic() - started, exc)
        raise
    record.status = "success"
    record.finished_at = runlog.utc_now()
    record.rows_affected = rows(value) if rows else None
    runlog.record(settings, record)
    logger.info("stage %s finished in %.1fs", name, time.monotonic() - started)
    return value


@task(cache_policy=NO_CACHE)
def demo_extracts(target: str) -> str:
    """Generate the demo extracts once; later runs reuse them (generation is deterministic)."""
    return str(demo.ensure_demo_extracts(Path(target), echo=get_run_logger().info))


@task(cache_policy=NO_CACHE)
def validate_raw(warehouse_dir: str | None) -> quality.ValidationReport:
    """Audit every batch not yet audited with success in its current delivery."""
    settings = config.load(warehouse_dir)
    result = quality.validate_pending_batches(settings)
    get_run_logger().info(quality.summarize(result))
    return result


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=[10])
def dbt_build(warehouse_dir: str | None, full_refresh: bool, as_of: str | None) -> transform.DbtSummary:
    """Seed, build and test every dbt model; fails when a model or an error-severity test fails."""
    logger = get_run_logger()
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if as_of:
        args += ["--vars", f"{{as_of_date: '{as_of}'}}"]
    return transform.run_dbt(
        args, config.load(warehouse_dir), echo=transform.progress_echo(logger.info), timeout=DBT_TIMEOUT_SECONDS
    )


@task(cache_policy=NO_CACHE)
def validate_marts(warehouse_dir: str | None) -> quality.ValidationReport:
    """Audit every mart table of the build database."""
    settings = config.load(warehouse_dir)
    result = quality.validate_marts(settings.db_path)
    get_run_logger().info(quality.summarize(result))
    return result


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 5])
def publish_marts(warehouse_dir: str | None, run_id: str, keep: int) -> publish.Publication:
    """Copy the audited marts into a new publication and swap it in atomically."""
    settings = config.load(warehouse_dir)
    extra = {
        "meta.data_quality": "select * from build.ops.validation_results",
        "meta.run_log": "select * from build.ops.run_log",
        "meta.load_log": "select * from build.raw._load_log",
        # the raw lines stay behind: they may hold personal data
        "meta.quarantine": "select * exclude (raw_line) from build.raw._quarantine",
    }
    publication = publish.build_publication(settings, run_id=run_id, extra_tables=extra)
    return publish.publish(settings, publication, keep=keep)


def _gate(result: quality.ValidationReport) -> None:
    if not result.passed:
        summary = quality.summarize(result)
        error = QualityGateError(f"the {result.scope} audit failed; nothing was published.\n{summary}")
        alerts.mark_stage(error, f"validate_{result.scope}")  # the audit stage that blocked, for the alert
        raise error


def validate_as_of(as_of: str | None) -> str | None:
    """Dates reach dbt as text: accept only a real ISO date."""
    if as_of is None:
        return None
    try:
        return date.fromisoformat(as_of).isoformat()
    except ValueError:
        raise ValueError(f"as-of date '{as_of}': expected YYYY-MM-DD") from None


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
) -> PipelineReport:
    """Run the whole job on one warehouse; `extracts` defaults to generated demo data."""
    settings = config.load(warehouse_dir)
    as_of = validate_as_of(as_of)
    if extracts is None:
        extracts = demo_extracts(str(demo.DEFAULT_DEMO_DIR))
    with runlog.exclusive_run(settings, wait_seconds) as run_id:
        print(f"run {run_id} on {settings.warehouse_dir} from {extracts}")
        result = PipelineReport(run_id=run_id, extracts=extracts, db_path=str(settings.db_path))
        result.batches = _stage(
            settings,
            run_id,
            "load",
            lambda: ingest(extracts, warehouse_dir, batches, force_reload),
            rows=lambda r: sum(b.rows_loaded for b in r),
        )
        result.raw_audit = _stage(
            settings,
            run_id,
            "validate_raw",
            lambda: validate_raw(warehouse_dir),
            rows=lambda r: len(r.outcomes),
        )
        _gate(result.raw_audit)
        result.dbt = _stage(
            settings,
            run_id,
            "dbt_build",
            lambda: dbt_build(warehouse_dir, full_refresh, as_of),
            rows=lambda s: s.count("model"),
        )
        result.mart_audit = _stage(
            settings,
            run_id,
            "validate_marts",
            lambda: validate_marts(warehouse_dir),
            rows=lambda r: len(r.outcomes),
        )
        quality.store_results(settings, run_id, [result.raw_audit, result.mart_audit])
        _gate(result.mart_audit)
        result.publication = _stage(
            settings,
            run_id,
            "publish",
            lambda: publish_marts(warehouse_dir, run_id, keep_publications),
            rows=lambda p: sum(p.tables.values()),
        )
        result.published_db = str(publish.published_db(settings))
        _stage(settings, run_id, "report", lambda: _artifacts(result, settings))
    return result


def _artifacts(result: PipelineReport, settings: config.Settings) -> None:
    """A Markdown summary and the headline funnel as Prefect artifacts, and the static HTML report."""
    markdown = report.run_markdown(result)
    create_markdown_artifact(key="funnel-run-summary", markdown=markdown, description=f"run {result.run_id}")
    html = report.write_html(
        publish.published_db(settings), publish.published_dir(settings) / "report.html", result.publication.id
    )
    create_link_artifact(key="funnel-report", link=html.resolve().as_uri(), description="static HTML report")
    rows = report.headline_funnel(publish.published_db(settings))
    if rows:
        create_table_artifact(key="headline-funnel", table=rows, description="outbound and inbound funnel, all time")
    print(markdown)


if __name__ == "__main__":
    pipeline()
