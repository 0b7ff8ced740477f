"""The `funnel` command line: one entry point for generating, loading and building the warehouse."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows import use_prefect_defaults
from funnel import settings as config

app = typer.Typer(
    help="Sales-funnel data warehouse: load CRM, POS and marketing extracts into DuckDB and build the marts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
use_prefect_defaults()
console = Console()
err = Console(stderr=True, soft_wrap=True)

# Exit codes of every command (docs/operations.md explains each).
EXIT_FAILED = 1  # the run failed: dbt, a crash, a full disk
EXIT_USAGE = 2  # an argument or a setting is wrong
EXIT_BLOCKED = 3  # an audit blocked publishing
EXIT_LOCKED = 4  # another run holds the warehouse
EXIT_CONTRACT = 5  # the extracts break the contract

WarehouseOption = Annotated[
    Path | None,
    typer.Option(
        "--warehouse",
        help="Warehouse folder (default ./warehouse, or FUNNEL_WAREHOUSE).",
        show_default=False,
    ),
]
BatchOption = Annotated[
    list[str] | None,
    typer.Option("--batch", help="Only these batches: YYYY-MM-DD or FROM..TO (repeatable).", show_default=False),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a setting for this run: name=value (repeatable); see README for the settings.",
        show_default=False,
    ),
]


def _use_warehouse(warehouse: Path | None) -> str | None:
    """Make the choice visible to every step (Prefect tasks, dbt) through the environment."""
    if warehouse is not None:
        os.environ["FUNNEL_WAREHOUSE"] = str(warehouse.resolve())
    return str(warehouse.resolve()) if warehouse else None


def _fail(message: str, code: int = EXIT_FAILED) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def _settings(
    warehouse: Path | None, items: list[str] | None = None, origins: dict[str, str] | None = None
) -> config.Settings:
    """The checked settings of this command, or a usage error naming the bad one."""
    try:
        return config.load(warehouse, config.parse_overrides(items), origins)
    except config.SettingError as exc:
        _fail(str(exc), code=EXIT_USAGE)
        raise  # unreachable: _fail exits


def _checked_engine(settings: config.Settings, start_cluster: bool) -> None:
    """On Spark: pyspark, Java and a master (given, running, or started by this run), before anything starts."""
    if settings.engine != "spark":
        if start_cluster:
            _fail("--start-cluster starts a Spark cluster: it goes with --engine spark", code=EXIT_USAGE)
        return
    from funnel.spark_build import SparkNotReady, check_ready

    try:
        check_ready(settings, start_cluster)
    except SparkNotReady as exc:
        _fail(str(exc), code=EXIT_USAGE)


def _checked_extracts(extracts: Path, batch: list[str] | None) -> None:
    """The extracts folder and the batch selection, checked before anything is started."""
    from funnel import ingest

    try:
        ingest.check_extracts(extracts, batch)
    except ingest.BatchSelectionError as exc:
        _fail(str(exc), code=EXIT_USAGE)
    except ingest.ContractError as exc:
        _fail(f"the extracts break the contract: {exc}", code=EXIT_CONTRACT)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the batch folders into.")],
    days: Annotated[int, typer.Option(min=1, help="Days of business to simulate.")] = 120,
    scale: Annotated[float, typer.Option(min=0.001, help="Scale factor; 1 ≈ a million receipt lines a year.")] = 0.02,
    seed: Annotated[int, typer.Option(help="Random seed; the same arguments give the same bytes.")] = 42,
    dirty: Annotated[float, typer.Option(min=0.0, max=0.5, help="Share of extra malformed rows to inject.")] = 0.0,
    end_date: Annotated[str, typer.Option(help="Last business day (YYYY-MM-DD).")] = "2026-10-31",
    batch_days: Annotated[int, typer.Option(min=1, help="Days covered by one batch folder.")] = 7,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    daily_tail: Annotated[
        int, typer.Option(min=0, help="The last N days as one batch each: daily deliveries continuing the rest.")
    ] = 0,
    crm: Annotated[
        str,
        typer.Option(
            help="Shape of the CRM part: generic (the extract contract's crm/ folder), or a CRM's own export: "
            "salesforce, hubspot or bitrix24 (clean CSV only). Point of sale and marketing stay generic."
        ),
    ] = "generic",
) -> None:
    """Write demo or benchmark extracts in the contract's layout, deterministic for a given seed.

    With --crm salesforce|hubspot|bitrix24 the CRM part of each batch is written as that CRM exports it
    (its file names, headers, ids, time formats and values), for the warehouse's CRM adapters.
    """
    from funnel import generate as generator

    if fmt not in ("csv", "parquet"):
        _fail(f"--format {fmt}: expected csv or parquet")
    try:
        last_day = date.fromisoformat(end_date)
    except ValueError:
        _fail(f"--end-date {end_date}: expected a date as YYYY-MM-DD")
    with _progress() as progress:
        bar = progress.add_task("generating", total=None)

        def tick(label: str, done: int, total: int) -> None:
            progress.update(bar, description=f"generating {label}", completed=done, total=total)

        try:
            summary = generator.generate(
                out,
                days=days,
                scale=scale,
                seed=seed,
                end_date=last_day,
                dirty_rate=dirty,
                batch_days=batch_days,
                fmt=fmt,
                progress=tick,
                daily_tail=daily_tail,
                crm=crm,
            )
        except (FileExistsError, ValueError) as exc:
            _fail(str(exc))
    table = Table(title=f"{len(summary.batches)} batches written to {out}")
    table.add_column("entity")
    table.add_column("rows", justify="right")
    for key, rows in sorted(summary.rows.items()):
        table.add_row(key, f"{rows:,}")
    console.print(table)
    if dirty:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(summary.dirty.items()))
        console.print(f"malformed rows injected: {sum(summary.dirty.values())} ({kinds}); see {out}/_dirty.json")


@app.command()
def load(
    extracts: Annotated[Path, typer.Option("--extracts", help="Folder of dated batch folders.")],
    warehouse: WarehouseOption = None,
    batch: BatchOption = None,
    force: Annotated[bool, typer.Option(help="Reload batches even when their files are unchanged.")] = False,
    set_: SetOption = None,
) -> None:
    """Load new or re-delivered batches into the raw schema (a Prefect flow)."""
    settings = _settings(warehouse, set_)
    _checked_extracts(extracts, batch)
    _use_warehouse(settings.warehouse_dir)
    from flows.ingest import ingest
    from funnel.ingest import ContractError

    try:
        overrides = config.parse_overrides(set_)
        results = ingest(str(extracts.resolve()), str(settings.warehouse_dir), batch, force, overrides)
    except ContractError as exc:
        _fail(f"the extracts break the contract: {exc}", code=EXIT_CONTRACT)
    _print_batches(results)


@app.command()
def run(
    extracts: Annotated[
        Path | None,
        typer.Option("--extracts", help="Folder of dated batch folders (default: generated demo extracts)."),
    ] = None,
    warehouse: WarehouseOption = None,
    batch: BatchOption = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As-of date (YYYY-MM-DD): the setting as_of_date.")
    ] = None,
    set_: SetOption = None,
    full_refresh: Annotated[bool, typer.Option(help="Rebuild incremental models from scratch.")] = False,
    force_reload: Annotated[bool, typer.Option(help="Reload batches even when unchanged.")] = False,
    keep: Annotated[int, typer.Option(min=1, help="Publications to keep for rollback.")] = 5,
    wait: Annotated[float, typer.Option(min=0, help="Seconds to wait for a running pipeline.")] = 0.0,
    engine: Annotated[
        str | None, typer.Option("--engine", help="duckdb or spark: the setting engine (docs/spark.md).")
    ] = None,
    start_cluster: Annotated[
        bool,
        typer.Option(help="On Spark: start a local cluster for this run (else FUNNEL_SPARK_MASTER or make spark-up)."),
    ] = False,
) -> None:
    """Run the main job: load, audit raw batches, build, audit marts, publish, report."""
    items = [*(set_ or []), *([f"as_of_date={as_of}"] if as_of is not None else [])]
    items += [f"engine={engine}"] if engine is not None else []
    origins = {"as_of_date": "--as-of", "engine": "--engine"}
    settings = _settings(warehouse, items, origins)
    _checked_engine(settings, start_cluster)
    if extracts is not None:
        _checked_extracts(extracts, batch)
    _use_warehouse(settings.warehouse_dir)
    if not (full_refresh or force_reload):
        from funnel import changes, demo

        source = extracts if extracts is not None else demo.DEFAULT_DEMO_DIR
        reason = changes.nothing_new(settings, source, batch) if source.is_dir() else None
        if reason:
            from funnel import runlog

            runlog.record_outcome(settings, "nothing_new", reason)
            console.print(reason)
            return
    # Prefect starts only now, when the arguments are known to be good.
    from flows.pipeline import QualityGateError, one_line, pipeline
    from funnel.ingest import ContractError
    from funnel.runlog import RunLockedError
    from funnel.spark_build import SparkNotReady
    from funnel.spark_cluster import SparkClusterError
    from funnel.transform import DbtError

    _quiet_tracebacks_of(
        ContractError,
        QualityGateError,
        RunLockedError,
        DbtError,
        config.SettingError,
        OSError,
        SparkClusterError,
        SparkNotReady,
    )
    try:
        report = pipeline(
            str(extracts.resolve()) if extracts else None,
            str(settings.warehouse_dir),
            batch,
            None,
            full_refresh,
            force_reload,
            keep,
            wait,
            config.parse_overrides(items),
            start_cluster,
        )
    except ContractError as exc:
        _fail(f"the extracts break the contract: {one_line(exc)}", code=EXIT_CONTRACT)
    except QualityGateError as exc:
        _fail(f"{exc}\nthe previous publication is unchanged; see `funnel status`", code=EXIT_BLOCKED)
    except RunLockedError as exc:
        _fail(str(exc), code=EXIT_LOCKED)
    except DbtError as exc:
        _fail(f"{exc}\nthe previous publication is unchanged")
    except (config.SettingError, SparkNotReady) as exc:
        _fail(str(exc), code=EXIT_USAGE)
    except SparkClusterError as exc:
        _fail(f"{one_line(exc)}; the previous publication is unchanged")
    except Exception as exc:  # noqa: BLE001 - a full disk surfaces as OSError or as a DuckDB error
        if not _disk_full(exc):
            raise
        _fail(f"{_os_error(exc)}; the previous publication is unchanged; see `funnel status`")
    _print_batches(report.batches)
    _print_summary(report)


class _NoTracebackFor(logging.Formatter):
    """Prefect logs every failed flow and task with its traceback; on the terminal, an expected
    error (bad extracts, a blocked audit, a full disk) is a line, not a traceback. Prefect's API
    still gets the traceback."""

    def __init__(self, base: logging.Formatter | None, expected: Callable[[BaseException], bool]) -> None:
        super().__init__()
        self.base = base or logging.Formatter()
        self.expected = expected

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and record.exc_info[1] is not None and self.expected(record.exc_info[1]):
            quiet = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
            return self.base.format(quiet)
        return self.base.format(record)


def _quiet_tracebacks_of(*expected: type[BaseException]) -> None:
    from prefect.logging.handlers import PrefectConsoleHandler

    def is_expected(exc: BaseException) -> bool:
        return isinstance(exc, expected) or _disk_full(exc)

    for name in ("", "prefect", "prefect.flow_runs", "prefect.task_runs"):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, PrefectConsoleHandler) and not isinstance(handler.formatter, _NoTracebackFor):
                handler.setFormatter(_NoTracebackFor(handler.formatter, is_expected))


def _disk_full(exc: BaseException) -> bool:
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return "no space left on device" in str(exc).lower()


def _os_error(exc: BaseException) -> str:
    if _disk_full(exc):
        where = getattr(exc, "filename", None) or "writing the warehouse"
        return f"the disk is full ({where}): free space and run again"
    return " ".join(str(exc).split())


@app.command()
def status(warehouse: WarehouseOption = None, runs: Annotated[int, typer.Option(min=1)] = 5) -> None:
    """Show what is published, from which batches, and the last runs."""
    from funnel import publish, runlog

    settings = _settings(warehouse)
    now = publish.current(settings)
    if now is None:
        console.print(f"nothing published yet under {settings.warehouse_dir}")
    else:
        console.print(f"[bold]published[/]: {now.id} (run {now.run_id}, {now.published_at}, built on {now.engine})")
        console.print(
            f"  file: {publish.published_db(settings)}  (parquet: {publish.published_dir(settings) / 'parquet'})"
        )
        batches = now.batches
        console.print(f"  batches: {len(batches)} ({batches[0]} … {batches[-1]})" if batches else "  batches: none")
        console.print(f"  tables: {len(now.tables)}, rows: {sum(now.tables.values()):,}")
        kept = [p.id for p in publish.history(settings)]
        console.print(f"  kept for rollback: {', '.join(kept)}")
    recent = runlog.recent_runs(settings, runs)
    console.print(f"last {len(recent)} run(s), newest first" if recent else "no runs recorded yet")
    for run_info in recent:
        # one table per run: a narrow terminal folds the detail, never a stage's name, status or number
        table = Table(title=f"run {run_info['run_id']}", title_justify="left")
        for column in ("stage", "status", "seconds", "rows"):
            table.add_column(column, no_wrap=True)
        table.add_column("detail", overflow="fold")
        for stage in run_info["stages"]:
            seconds = f"{stage['duration_seconds']:.1f}" if stage["duration_seconds"] is not None else ""
            table.add_row(
                stage["stage"],
                stage["status"],
                seconds,
                "" if stage["rows"] is None else f"{stage['rows']:,}",
                _clipped(stage["detail"] or "", 300),
            )
        console.print(table)


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@app.command()
def rollback(
    warehouse: WarehouseOption = None,
    to: Annotated[str | None, typer.Option("--to", help="Publication id (default: the one before).")] = None,
) -> None:
    """Publish an earlier kept publication again, atomically."""
    from funnel import publish, runlog

    settings = _settings(warehouse)
    try:
        with runlog.exclusive_run(settings):
            restored = publish.rollback(settings, to)
    except publish.PublishError as exc:
        _fail(str(exc))
    except runlog.RunLockedError as exc:
        _fail(str(exc), code=EXIT_LOCKED)
    console.print(f"published {restored.id} again (run {restored.run_id}, {restored.published_at})")


@app.command()
def serve(
    cron: Annotated[str, typer.Option(help="Schedule (cron, warehouse time zone).")] = "0 6 * * *",
    extracts: Annotated[Path | None, typer.Option("--extracts")] = None,
) -> None:
    """Run the pipeline on a schedule from this process (no separate Prefect server needed)."""
    from prefect.schedules import Cron

    from flows.pipeline import pipeline

    settings = _settings(None)
    if extracts is not None:
        _checked_extracts(extracts, None)
    parameters = {"extracts": str(extracts.resolve())} if extracts else {}
    pipeline.serve(
        name="funnel-daily",
        schedules=[Cron(cron, timezone=settings.timezone)],
        parameters=parameters,
    )


@app.command("report")
def report_command(
    warehouse: WarehouseOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write (default: published/report.html).")] = None,
) -> None:
    """Write a static HTML report of the headline numbers from the published warehouse."""
    from funnel import publish, report

    settings = _settings(warehouse)
    db = publish.published_db(settings)
    if not db.exists():
        _fail(f"nothing is published under {settings.warehouse_dir} yet: run `funnel run` first")
    now = publish.current(settings)
    target = out or publish.published_dir(settings) / "report.html"
    path = publish.write_text_atomically(target, report.render_html(db, now.id if now else None))
    console.print(f"wrote {path}")


@app.command()
def expectations(
    write: Annotated[bool, typer.Option("--write", help="Rewrite the suites under expectations/.")] = False,
) -> None:
    """List (or rewrite) the Great Expectations suites built from the contract and the audit rules."""
    from funnel import quality

    names = quality.write_suites() if write else quality.suite_names()
    for name in names:
        console.print(name)


@app.command()
def contract(
    write: Annotated[bool, typer.Option("--write", help="Rewrite docs/extract-contract.md.")] = False,
) -> None:
    """Print the extract contract as Markdown (generated from the dbt source definitions)."""
    from funnel.contract import CONTRACT_DOC, render_markdown

    text = render_markdown()
    if write:
        CONTRACT_DOC.write_text(text, encoding="utf-8")
        console.print(f"wrote {CONTRACT_DOC}")
    else:
        sys.stdout.write(text)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def dbt(ctx: typer.Context, warehouse: WarehouseOption = None) -> None:
    """Run any dbt command against the warehouse, e.g. `funnel dbt test --select staging`."""
    from funnel.transform import DbtError, run_dbt

    settings = _settings(warehouse)
    try:
        run_dbt(list(ctx.args), settings)
    except DbtError as exc:
        _fail(str(exc))


def _print_batches(results) -> None:
    if not results:
        console.print("no new or changed batches to load")
        return
    table = Table(title="batches")
    for column in ("batch", "status", "files", "read", "loaded", "quarantined"):
        table.add_column(column, justify="left" if column in ("batch", "status") else "right")
    for r in results:
        table.add_row(
            r.batch_id,
            r.status,
            str(len(r.files)),
            f"{r.rows_read:,}",
            f"{r.rows_loaded:,}",
            f"{r.rows_quarantined:,}",
        )
    console.print(table)
    quarantined = sum(r.rows_quarantined for r in results)
    if quarantined:
        console.print(
            f"[yellow]{quarantined:,} malformed rows quarantined[/]: "
            "select * from raw._quarantine order by batch_id, source_file, line_number"
        )


def _print_summary(report) -> None:
    from funnel import quality

    for audit in (report.raw_audit, report.mart_audit):
        if audit is not None:
            console.print(quality.summarize(audit))
    dbt_summary = report.dbt
    console.print(
        f"\n[bold green]done[/]: {dbt_summary.count('model', 'success')} models and "
        f"{dbt_summary.count('seed', 'success')} seeds built; "
        f"{dbt_summary.count('test', 'pass') + dbt_summary.count('unit_test', 'pass')} tests passed, "
        f"{len(dbt_summary.warnings)} warned"
    )
    for warning in dbt_summary.warnings[:10]:
        console.print(f"  [yellow]{warning}[/]")
    console.print(f"published: {report.published_db}  ({report.publication.id if report.publication else '-'})")
    console.print(f"build db:  {report.db_path}")
    console.print(f"extracts:  {report.extracts}")
    console.print(f"query it:  python -c \"import duckdb; duckdb.connect('{report.published_db}', read_only=True)\"")


def main() -> None:  # pragma: no cover - console entry point
    """The `funnel` command: an unexpected error is one line on the terminal, the traceback in a file."""
    import traceback
    from datetime import UTC, datetime

    try:
        code = app(standalone_mode=False)  # click returns the exit code instead of exiting
    except typer.Exit as done:
        code = done.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        code = 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, the details in a file
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # a usage error, from typer's own click
            exc.show()
            _exit(exc.exit_code)
        if type(exc).__name__ == "Abort":
            err.print("aborted")
            _exit(130)
        logs = Path(os.environ.get("FUNNEL_WAREHOUSE", "warehouse")) / "logs"
        try:
            logs.mkdir(parents=True, exist_ok=True)
            crash = logs / f"crash-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.txt"
            crash.write_text(traceback.format_exc(), encoding="utf-8")
            where = f"; the traceback is in {crash}"
        except OSError:
            where = ""
        message = _os_error(exc) or type(exc).__name__
        err.print(f"[bold red]error:[/] {type(exc).__name__}: {message}{where}", highlight=False)
        code = EXIT_FAILED
    _exit(code if isinstance(code, int) else 0)


def _exit(code: int) -> None:
    """Exit after the exit handlers (Prefect stops its temporary server there), but skip the
    interpreter's teardown, where DuckDB's bindings report objects still held as "leaks"."""
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
