"""The main job: demo extracts when none are given → load new batches → dbt build → summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.ingest import ingest
from funnel import demo, transform
from funnel import ingest as loader
from funnel import settings as config


@dataclass
class PipelineReport:
    extracts: str
    db_path: str
    batches: list[loader.BatchResult] = field(default_factory=list)
    dbt: transform.DbtSummary | None = None


@task(cache_policy=NO_CACHE)
def demo_extracts(target: str) -> str:
    """Generate the demo extracts once; later runs reuse them (generation is deterministic)."""
    path = demo.ensure_demo_extracts(Path(target), echo=get_run_logger().info)
    return str(path)


@task(cache_policy=NO_CACHE)
def dbt_build(warehouse_dir: str | None, full_refresh: bool) -> transform.DbtSummary:
    """Seed, build and test every dbt model; fails the run when a model or an error-severity test fails."""
    logger = get_run_logger()
    args = ["build", "--full-refresh"] if full_refresh else ["build"]
    return transform.run_dbt(args, config.load(warehouse_dir), echo=logger.info)


@flow(name="funnel-pipeline", log_prints=True)
def pipeline(
    extracts: str | None = None,
    warehouse_dir: str | None = None,
    batches: list[str] | None = None,
    full_refresh: bool = False,
    force_reload: bool = False,
) -> PipelineReport:
    """Run the whole job on one warehouse; `extracts` defaults to generated demo data."""
    settings = config.load(warehouse_dir)
    if extracts is None:
        extracts = demo_extracts(str(demo.DEFAULT_DEMO_DIR))
    report = PipelineReport(extracts=extracts, db_path=str(settings.db_path))
    report.batches = ingest(extracts, warehouse_dir, batches, force_reload)
    report.dbt = dbt_build(warehouse_dir, full_refresh)
    print(
        f"built {report.dbt.count('model', 'success')} models, "
        f"{report.dbt.count('test', 'pass') + report.dbt.count('unit_test', 'pass')} tests passed, "
        f"{report.dbt.count('test', 'warn')} warnings, in {settings.db_path}"
    )
    return report


if __name__ == "__main__":
    pipeline()
