"""Running the audits: raw batches and marts validated inside DuckDB through GX's SQL engine.

Validation runs in a child process: GX keeps pooled connections and global state that would hold
the database file; a child releases everything when it exits, and can be timed out. The runtime
data context lives beside the warehouse (`<warehouse>/gx`), holding a copy of the committed suites,
so that runs never touch the repository. A failed `critical` expectation, or one that errors
rather than evaluates (fail closed), blocks publishing; a `warning` is reported.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import shutil
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import duckdb

from funnel import contract
from funnel.project import PROJECT_ROOT
from funnel.quality.rules import MART_RULES
from funnel.quality.suites import (
    AUDIT_SCHEMA,
    CONTEXT_DIR,
    file_context,
    gx,
    mart_suite_name,
    raw_audit_view,
    raw_suite_name,
)
from funnel.settings import Settings

DATASOURCE = "warehouse"
DB_ENV = "FUNNEL_GX_DB_PATH"
VALIDATION_TIMEOUT_SECONDS = 1800
# settings the raw suites read from audit.settings, with their SQL types
AUDIT_SETTINGS = {"business_start": "date", "future_tolerance_hours": "integer", "warehouse_timezone": "varchar"}


@dataclass
class ExpectationOutcome:
    suite: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    errored: bool
    observed: str
    hint: str | None = None  # what to change when this fails, naming the setting

    @property
    def blocks(self) -> bool:
        return (not self.success or self.errored) and self.severity == "critical"


@dataclass
class ValidationReport:
    scope: str
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    docs_path: str | None = None

    @property
    def passed(self) -> bool:
        return not any(o.blocks for o in self.outcomes)

    def count(self, *, success: bool | None = None, severity: str | None = None) -> int:
        return sum(
            1
            for o in self.outcomes
            if (success is None or (o.success and not o.errored) == success)
            and (severity is None or o.severity == severity)
        )

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success or o.errored]


def summarize(report: ValidationReport) -> str:
    lines = [
        f"{report.scope}: {report.count(success=True)} expectations passed, "
        f"{report.count(success=False, severity='critical')} critical and "
        f"{report.count(success=False, severity='warning')} warning failures"
    ]
    for outcome in report.failures[:20]:
        kind = "ERROR" if outcome.errored else outcome.severity.upper()
        column = f" [{outcome.column}]" if outcome.column else ""
        hint = f": {outcome.hint}" if outcome.hint else ""
        lines.append(f"  {kind}: {outcome.suite}{column}: {outcome.expectation} ({outcome.observed}){hint}")
    return "\n".join(lines)


def prepare_raw_audit(con: duckdb.DuckDBPyConnection, batches: list[str], settings: dict) -> None:
    """The run's settings, and views over the rows of the batches being audited, one per raw entity."""
    con.execute(f"create schema if not exists {AUDIT_SCHEMA}")
    columns = ", ".join(f"cast(? as {dtype}) as {name}" for name, dtype in AUDIT_SETTINGS.items())
    con.execute(
        f"create or replace table {AUDIT_SCHEMA}.settings as select *, "
        # midnight of the business start where the business is, in UTC as timestamps are stored
        "timezone('UTC', timezone(warehouse_timezone, cast(business_start as timestamp))) as business_start_at "
        f"from (select {columns})",
        [settings[name] for name in AUDIT_SETTINGS],
    )
    con.execute(f"create or replace table {AUDIT_SCHEMA}.batches (batch_id varchar)")
    if batches:
        con.executemany(f"insert into {AUDIT_SCHEMA}.batches values (?)", [[b] for b in batches])
    for entity in contract.entities().values():
        con.execute(
            f"create or replace view {raw_audit_view(entity)} as select * from {entity.qualified_table} "
            f"where _batch_id in (select batch_id from {AUDIT_SCHEMA}.batches)"
        )


def runtime_context(db_path: Path):
    """A file data context beside the warehouse, holding the committed suites."""
    root = db_path.parent / "gx"
    target = root / "expectations"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(CONTEXT_DIR / "expectations", target, ignore=shutil.ignore_patterns(".ge_store_backend_id"))
    return file_context(root)


def _observed(result) -> str:
    res = result.result or {}
    for key in ("observed_value", "unexpected_count"):
        if key in res and res[key] is not None:
            return f"{key.replace('_', ' ')}: {res[key]}"
    return ""


def _sample_rows(source, unexpected_rows_query: str, *, asset_query: str) -> str:
    """A few offending rows of a failed SQL expectation: they say more than a count (SUMMARY has none)."""
    from sqlalchemy import text

    sql = unexpected_rows_query.replace("{batch}", f"({asset_query})")
    try:
        with source.get_engine().connect() as connection:
            rows = connection.execute(text(f"select * from ({sql}) limit 3")).fetchall()
    except Exception:  # noqa: BLE001 - a sample is a courtesy; the outcome stands without it
        return ""
    return f", e.g. {[tuple(str(v) for v in row) for row in rows]}" if rows else ""


def _errored(result) -> bool:
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return True
    return any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())


def _hint(config, settings: dict) -> str | None:
    meta = config.meta or {}
    if not meta.get("hint"):
        return None
    setting = meta.get("setting")
    now = f" (now {settings[setting]})" if setting in settings else ""
    return f"{meta['hint']}{now}"


def saved_suite(context, suite_name: str, report: ValidationReport):
    """The committed suite, or None after recording a blocking outcome: an unaudited table must not be published."""
    try:
        return context.suites.get(suite_name)  # written by `funnel expectations --write`
    except gx().exceptions.DataContextError:
        report.outcomes.append(
            errored_outcome(
                suite_name,
                "a suite exists for this table",
                "no suite saved: run `funnel expectations --write` after `funnel dbt parse`",
            )
        )
        return None


def errored_outcome(suite_name: str, expectation: str, observed: str) -> ExpectationOutcome:
    """A critical outcome that could not be evaluated: it blocks publishing (fail closed)."""
    return ExpectationOutcome(suite_name, expectation, None, "critical", False, True, observed)


def outcomes_of(suite_name: str, result, settings: dict, sample: Callable[[str], str]) -> list[ExpectationOutcome]:
    """One outcome per expectation of a validation result; `sample` shows a few rows a failed query returned."""
    outcomes = []
    for r in result.results:
        config = r.expectation_config
        observed = _observed(r)
        if not r.success and "unexpected_rows_query" in config.kwargs:
            observed += sample(config.kwargs["unexpected_rows_query"])
        outcomes.append(
            ExpectationOutcome(
                suite=suite_name,
                expectation=config.description or config.type,
                column=config.kwargs.get("column"),
                severity=str(getattr(config, "severity", "critical") or "critical").split(".")[-1].lower(),
                success=bool(r.success),
                errored=_errored(r),
                observed=observed,
                hint=None if r.success else _hint(config, settings),
            )
        )
    return outcomes


def build_docs_on_failure(context, db_path: Path, report: ValidationReport) -> None:
    """Data Docs are slow to render (GX #8671): built when there is something in them to look at."""
    if report.failures:
        context.build_data_docs()
        report.docs_path = str(db_path.parent / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html")


@contextmanager
def quiet_gx() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        yield


def run_suites(
    db_path: Path, scope: str, suites: dict[str, str], settings: dict, build_docs: bool = True
) -> ValidationReport:
    """Validate each suite (name -> query of its asset) against the database; never raises on data."""
    report = ValidationReport(scope)
    with quiet_gx():
        context = runtime_context(db_path)
        os.environ[DB_ENV] = str(db_path)
        source = context.data_sources.add_or_update_sql(name=DATASOURCE, connection_string=f"duckdb:///${{{DB_ENV}}}")
        for suite_name, query in suites.items():
            suite = saved_suite(context, suite_name, report)
            if suite is None:
                continue
            asset_name = suite_name.replace(".", "__")
            try:
                asset = source.get_asset(asset_name)
            except LookupError:
                asset = source.add_query_asset(name=asset_name, query=query)
            batch_definition = next(iter(asset.batch_definitions), None) or asset.add_batch_definition_whole_table(
                "all"
            )
            definition = gx().ValidationDefinition(name=asset_name, data=batch_definition, suite=suite)
            definition = context.validation_definitions.add_or_update(validation=definition)
            result = definition.run(result_format="SUMMARY")
            sample = partial(_sample_rows, source, asset_query=query)
            report.outcomes.extend(outcomes_of(suite_name, result, settings, sample))
        # Release the file: DuckDB refuses a second in-process connection with other settings.
        source.get_engine().dispose()
        if build_docs:
            build_docs_on_failure(context, db_path, report)
    return report


def _report(doc: dict) -> ValidationReport:
    report = ValidationReport(scope=doc["scope"], docs_path=doc.get("docs_path"))
    report.outcomes = [ExpectationOutcome(**o) for o in doc["outcomes"]]
    return report


def _payload(report: ValidationReport) -> dict:
    return {"scope": report.scope, "docs_path": report.docs_path, "outcomes": [asdict(o) for o in report.outcomes]}


class AuditWorker:
    """A child process that imports Great Expectations once and runs a run's audits one after another.

    Importing GX takes seconds (tens on a busy machine); the worker starts with the run and imports
    while the batches load, so that neither audit waits for it. Each audit disposes of its
    connections, so dbt can write the database between two audits; the worker's death releases
    everything else.
    """

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "funnel.quality", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=PROJECT_ROOT,
        )
        self._errors: list[str] = []
        self._drain = threading.Thread(target=self._read_errors, daemon=True)
        self._drain.start()

    def _read_errors(self) -> None:
        assert self._process.stderr is not None
        for line in self._process.stderr:
            self._errors = (self._errors + [line.rstrip()])[-15:]

    def audit(
        self,
        scope: str,
        db_path: Path,
        batches: list[str] | None = None,
        settings: dict | None = None,
        spark: dict | None = None,
    ):
        """Run one audit; `spark` ({"conf": ..., "env": ...}) audits the marts of a Spark build instead."""
        assert self._process.stdin is not None and self._process.stdout is not None
        request = {
            "scope": scope, "db": str(db_path), "batches": batches or [], "settings": settings or {}, "spark": spark,
        }  # fmt: skip
        try:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
        except BrokenPipeError:
            pass  # the worker died: reported below with its last words
        answer = self._read_line(VALIDATION_TIMEOUT_SECONDS)
        if answer is None:
            self.close()
            tail = "\n".join(self._errors)
            raise RuntimeError(f"the {scope} validation could not run (exit code {self._process.poll()}):\n{tail}")
        doc = json.loads(answer)
        if "error" in doc:
            raise RuntimeError(f"the {scope} validation could not run: {doc['error']}")
        return _report(doc)

    def _read_line(self, timeout: float) -> str | None:
        assert self._process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                return None
        line = self._process.stdout.readline()
        return line or None

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                assert self._process.stdin is not None
                self._process.stdin.close()
                self._process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> AuditWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def run_isolated(
    scope: str, db_path: Path, batches: list[str] | None = None, settings: dict | None = None, spark: dict | None = None
):
    """One audit in a worker of its own (see AuditWorker)."""
    with AuditWorker() as worker:
        return worker.audit(scope, db_path, batches, settings, spark)


AUDITS_DDL = """
create table if not exists ops.batch_audits (
    batch_id varchar not null,
    fingerprint varchar not null,
    passed boolean not null,
    audited_at timestamp not null
)
"""

RESULTS_DDL = """
create table if not exists ops.validation_results (
    run_id varchar not null,
    scope varchar not null,
    suite varchar not null,
    expectation varchar not null,
    column_name varchar,
    severity varchar not null,
    is_success boolean not null,
    is_errored boolean not null,
    observed varchar,
    validated_at timestamp not null
)
"""


def _audit_settings(settings: Settings) -> dict:
    return {name: settings[name] for name in AUDIT_SETTINGS}


def validate_pending_batches(settings: Settings, worker: AuditWorker | None = None) -> ValidationReport:
    """Audit every loaded batch whose current delivery has not passed an audit yet, and record it.

    A batch that failed stays pending, so it keeps blocking publication until it is re-delivered
    (or its data is fixed, or a setting changed): a later run cannot publish it by accident.
    """
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute("create schema if not exists ops")
        con.execute(AUDITS_DDL)
        pending = con.execute(
            "select b.batch_id, b.fingerprint from raw._batches as b where not exists (select 1 from ops.batch_audits "
            "as a where a.batch_id = b.batch_id and a.fingerprint = b.fingerprint and a.passed) order by 1"
        ).fetchall()
    if not pending:
        return ValidationReport("raw")  # every batch in raw has passed an audit already
    batches = [batch_id for batch_id, _ in pending]
    if worker is None:
        report = run_isolated("raw", settings.db_path, batches, _audit_settings(settings))
    else:
        report = worker.audit("raw", settings.db_path, batches, _audit_settings(settings))
    with duckdb.connect(str(settings.db_path)) as con:
        con.executemany(
            "insert into ops.batch_audits values (?, ?, ?, current_timestamp::timestamp)",
            [[batch_id, fingerprint, report.passed] for batch_id, fingerprint in pending],
        )
    return report


def store_results(settings: Settings, run_id: str, reports: list[ValidationReport | None]) -> None:
    """Keep every expectation outcome of the run in ops.validation_results (published with the marts)."""
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute("create schema if not exists ops")
        con.execute(RESULTS_DDL)
        rows = [
            [run_id, r.scope, o.suite, o.expectation, o.column, o.severity, o.success, o.errored, o.observed]
            for r in reports
            if r is not None
            for o in r.outcomes
        ]
        if rows:
            con.executemany(
                "insert into ops.validation_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp::timestamp)",
                rows,
            )


def validate_raw(db_path: Path, batches: list[str], settings: dict) -> ValidationReport:
    """Audit the rows of `batches` in every raw table."""
    with duckdb.connect(str(db_path)) as con:
        prepare_raw_audit(con, batches, settings)
    suites = {raw_suite_name(e): f"select * from {raw_audit_view(e)}" for e in contract.entities().values()}
    return run_suites(db_path, "raw", suites, settings)


def validate_marts(
    settings: Settings, worker: AuditWorker | None = None, spark: dict | None = None
) -> ValidationReport:
    """Reconcile the marts of the build (in the worker, or a child process of their own): those of the build
    database, or with `spark` ({"conf": session settings, "env": variables}) those of the Spark build."""
    if worker:
        return worker.audit("marts", settings.db_path, spark=spark)
    return run_isolated("marts", settings.db_path, spark=spark)


def _validate_marts_here(db_path: Path) -> ValidationReport:
    """The reconciliations of MART_RULES; a mart they name that was not built fails the audit."""
    suites = {mart_suite_name(*name.split(".")): f"select * from {name}" for name in MART_RULES}
    return run_suites(db_path, "marts", suites, {})


def serve() -> None:
    """`python -m funnel.quality serve`: one JSON request per line on stdin, one JSON report per line back."""
    # Only answers go to the real stdout: anything GX prints (or C code writes) goes to stderr.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    gx()  # import now, while the parent does other work
    file_context(CONTEXT_DIR)
    for line in sys.stdin:
        protocol.write(json.dumps(_audit_in_a_fork(json.loads(line))) + "\n")
        protocol.flush()


def _audit_in_a_fork(request: dict) -> dict:
    """Run one audit in a fork of the warm worker: GX keeps connections to the database that only the
    end of a process releases, and dbt must write the database between two audits."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the audit
        os.close(read)
        try:
            db_path = Path(request["db"])
            if request["scope"] == "raw":
                report = validate_raw(db_path, request["batches"], request["settings"])
            elif request.get("spark"):
                from funnel.quality.spark import validate_spark_marts

                report = validate_spark_marts(db_path, request["spark"]["conf"], request["spark"].get("env", {}))
            else:
                report = _validate_marts_here(db_path)
            answer = _payload(report)
        except BaseException as exc:  # noqa: BLE001 - the parent reports it, failing closed
            answer = {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())}"}
        with os.fdopen(write, "w", encoding="utf-8") as out:
            out.write(json.dumps(answer))
        os._exit(0)
    os.close(write)
    with os.fdopen(read, encoding="utf-8") as given:
        text = given.read()
    _, status = os.waitpid(pid, 0)
    if not text:
        return {"error": f"the audit process ended without an answer (status {status})"}
    return json.loads(text)


def main(argv: list[str]) -> None:
    if argv == ["serve"]:
        serve()
    else:
        raise SystemExit("usage: python -m funnel.quality serve")
