"""Load every new or re-delivered batch of extracts into the raw schema of the warehouse."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from funnel import ingest as loader
from funnel import settings as config
from funnel import warehouse
from funnel.retry import transient_failure


@task(cache_policy=NO_CACHE)
def find_batches(extracts: str, settings: config.Settings, selection: list[str] | None, force: bool) -> list[str]:
    """Batch folders to load: the selection (or all), minus those already loaded unchanged."""
    candidates = loader.select_batches(Path(extracts), selection)
    if force:
        return [str(b) for b in candidates]
    with warehouse.connect(settings) as con:
        warehouse.ensure_raw_schema(con)
        return [str(b) for b in loader.pending_batches(con, candidates)]


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[2, 5, 15], retry_condition_fn=transient_failure)
def load_batch(batch_dir: str, settings: config.Settings, force: bool) -> loader.BatchResult:
    """Load one batch in one transaction and log its row counts."""
    logger = get_run_logger()
    with warehouse.connect(settings) as con:  # the raw schema was ensured when the stage began
        result = loader.load_batch(
            con, Path(batch_dir), timezone=settings.timezone, force=force, workdir=settings.temp_dir
        )
    logger.info(
        "batch %s %s: %d rows read, %d loaded, %d quarantined",
        result.batch_id,
        result.status,
        result.rows_read,
        result.rows_loaded,
        result.rows_quarantined,
    )
    return result


@flow(name="ingest", log_prints=True)
def ingest(
    extracts: str,
    warehouse_dir: str | None = None,
    batches: list[str] | None = None,
    force: bool = False,
    settings: dict[str, str] | None = None,
) -> list[loader.BatchResult]:
    """Load the selected batches (default: every batch not yet loaded), oldest first.

    `settings` overrides settings for this run (name -> value), as `funnel run --set` does.
    """
    return load_batches(extracts, config.load(warehouse_dir, settings), batches, force)


def load_batches(
    extracts: str, settings: config.Settings, batches: list[str] | None = None, force: bool = False
) -> list[loader.BatchResult]:
    """The body of the ingest flow, for flows that already hold their settings."""
    todo = find_batches(extracts, settings, batches, force)
    print(f"{len(todo)} batch(es) to load from {extracts}")
    results = []
    if not todo:
        return results
    with warehouse.held_for_loading(settings) as held:
        warehouse.ensure_raw_schema(held)
        for number, batch_dir in enumerate(todo, start=1):
            results.append(load_batch(batch_dir, settings, force))
            print(f"loaded {number}/{len(todo)}: {Path(batch_dir).name}")
    return results


if __name__ == "__main__":
    import sys

    ingest(sys.argv[1])
