"""Great Expectations gates: suites for every raw entity and every mart, run inside DuckDB (SQL).

Suites are built in code from the extract contract and the dbt manifest, and saved as JSON in the
file data context under `expectations/` (`funnel expectations --write`); a test keeps the saved
suites in step with the code. At run time the pipeline validates through GX's SQL execution engine
(with `funnel.gx_duckdb`), so no table is pulled into pandas.

Severity: a failed `critical` expectation blocks publishing; a `warning` is reported only. An
expectation that errors instead of evaluating counts as a critical failure (fail closed).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from funnel import contract, gx_duckdb
from funnel.contract import PROJECT_ROOT
from funnel.publish import MART_SCHEMAS
from funnel.settings import Settings

CONTEXT_DIR = PROJECT_ROOT / "expectations"
DATASOURCE = "warehouse"
AUDIT_SCHEMA = "audit"
DB_ENV = "FUNNEL_GX_DB_PATH"

# Text enumerations of the contract (compared after lower-casing and trimming, as staging does).
ENUMERATIONS: dict[tuple[str, str], list[str]] = {
    ("crm/activities", "activity_type"): ["call", "email", "message", "meeting", "presentation"],
    ("crm/activities", "direction"): ["outbound", "inbound"],
    ("crm/activities", "outcome"): [
        "no_answer",
        "busy",
        "invalid_number",
        "blocked",
        "voicemail",
        "rejected",
        "conversation",
        "callback",
        "agreed",
        "scheduled",
        "attended",
        "no_show",
        "cancelled",
        "sent",
        "replied",
        "bounced",
    ],
    ("crm/opportunities", "stage"): [
        "qualification",
        "presentation",
        "proposal",
        "negotiation",
        "closed_won",
        "closed_lost",
    ],
    ("crm/opportunity_stage_history", "stage"): [
        "qualification",
        "presentation",
        "proposal",
        "negotiation",
        "closed_won",
        "closed_lost",
    ],
    ("crm/leads", "initiative"): ["outbound", "inbound"],
    ("crm/leads", "product_awareness"): ["unaware", "aware"],
    ("crm/leads", "status"): ["new", "working", "qualified", "converted", "lost"],
    ("crm/campaigns", "initiative"): ["outbound", "inbound"],
    ("pos/receipts", "payment_method"): ["card", "cash", "voucher"],
    ("pos/stores", "store_format"): ["flagship", "mall", "high_street", "outlet"],
}

# Plausible ranges: (min, max, severity). Returns may be negative.
RANGES: dict[tuple[str, str], tuple[float | None, float | None, str]] = {
    ("pos/receipts", "total_amount"): (-5_000_000, 5_000_000, "critical"),
    ("pos/receipt_lines", "quantity"): (-1_000, 1_000, "critical"),
    ("pos/receipt_lines", "unit_price"): (0, 5_000_000, "critical"),
    ("pos/receipt_lines", "discount_amount"): (-5_000_000, 5_000_000, "warning"),
    ("pos/receipt_lines", "line_amount"): (-5_000_000, 5_000_000, "critical"),
    ("pos/receipt_lines", "line_number"): (1, 1_000, "critical"),
    ("pos/products", "list_price"): (0, 5_000_000, "critical"),
    ("pos/store_traffic", "hour"): (0, 23, "critical"),
    ("pos/store_traffic", "visitors"): (0, 100_000, "critical"),
    ("crm/opportunities", "amount"): (0, 1_000_000_000, "critical"),
    ("crm/activities", "duration_seconds"): (0, 86_400, "warning"),
    ("marketing/spend", "amount"): (0, 100_000_000, "critical"),
    ("marketing/fx_rates", "rate_to_reporting"): (0.000001, 1_000_000, "critical"),
}

# Referential coverage: share of child rows in the audited batches whose parent exists (any batch).
COVERAGE: list[tuple[str, str, str, str, float]] = [
    ("pos/receipts", "store_id", "pos/stores", "store_id", 0.99),
    ("pos/receipt_lines", "receipt_id", "pos/receipts", "receipt_id", 0.99),
    ("pos/store_traffic", "store_id", "pos/stores", "store_id", 0.99),
    ("crm/activities", "lead_id", "crm/leads", "lead_id", 0.98),
    ("crm/opportunities", "lead_id", "crm/leads", "lead_id", 0.98),
    ("crm/opportunity_stage_history", "opportunity_id", "crm/opportunities", "opportunity_id", 0.98),
]

# Dates that may lie in the future because they are planned, not observed.
PLANNED_DATES = {("crm/campaigns", "started_on"), ("crm/campaigns", "ended_on")}
# Master data arrives in full once and then as small change sets: its volume is not compared.
VOLUME_CHECKED = {"crm/leads", "crm/activities", "crm/opportunities", "crm/opportunity_stage_history"}

BUSINESS_START = os.environ.get("FUNNEL_BUSINESS_START", "2010-01-01")
VOLUME_LOW, VOLUME_HIGH, VOLUME_HISTORY = 0.2, 5.0, 8


@dataclass
class ExpectationOutcome:
    suite: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    errored: bool
    observed: str

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


# ---------------------------------------------------------------------------------------------
# Suites
# ---------------------------------------------------------------------------------------------


def _gx():
    import great_expectations as gx

    return gx


def raw_audit_view(entity: contract.Entity) -> str:
    return f'{AUDIT_SCHEMA}."raw__{entity.system}__{entity.name}"'


def raw_suite_name(entity: contract.Entity) -> str:
    return f"raw.{entity.system}.{entity.name}"


def build_raw_suite(entity: contract.Entity):
    """The suite for one raw entity, validated on the rows of the batches being audited."""
    gx = _gx()
    gxe = gx.expectations
    # Collect first, build the suite last: add_expectation on a suite whose name is already saved
    # writes into the saved one.
    suite: list = []
    lineage = ["_batch_id", "_source_file", "_source_line", "_loaded_at"]
    suite.append(gxe.ExpectTableColumnsToMatchSet(column_set=entity.column_names + lineage, exact_match=True))
    expected_types = ", ".join(f"('{c.name}', '{c.data_type.upper().replace(' ', '')}')" for c in entity.columns)
    suite.append(
        gxe.UnexpectedRowsExpectation(
            description=f"columns of raw.{entity.raw_table} have their contract types",
            unexpected_rows_query=(
                # the cross join names the batch, as GX asks, without filtering anything
                "select c.column_name, c.data_type from information_schema.columns as c "
                "cross join (select count(*) as audited_rows from {batch}) as audited "
                f"inner join (values {expected_types}) as e(column_name, data_type) using (column_name) "
                f"where c.table_schema = '{contract.RAW_SCHEMA}' and c.table_name = '{entity.raw_table}' "
                "and replace(upper(c.data_type), ' ', '') <> e.data_type"
            ),
        )
    )
    for column in entity.columns:
        if column.required:
            suite.append(gxe.ExpectColumnValuesToNotBeNull(column=column.name))
        values = ENUMERATIONS.get((entity.key, column.name))
        if values:
            suite.append(
                gxe.UnexpectedRowsExpectation(
                    description=f"{column.name} is one of {', '.join(values)}",
                    unexpected_rows_query=(
                        f"select {column.name} from {{batch}} where {column.name} is not null and "
                        f"lower(trim({column.name})) not in ({', '.join(repr(v) for v in values)})"
                    ),
                )
            )
        bounds = RANGES.get((entity.key, column.name))
        if bounds:
            low, high, severity = bounds
            suite.append(
                gxe.ExpectColumnValuesToBeBetween(column=column.name, min_value=low, max_value=high, severity=severity)
            )
        if column.data_type in ("timestamp", "date") and (entity.key, column.name) not in PLANNED_DATES:
            suite.append(
                gxe.UnexpectedRowsExpectation(
                    description=f"{column.name} is not in the future and not before {BUSINESS_START}",
                    unexpected_rows_query=(
                        f"select {column.name} from {{batch}} where {column.name} > "
                        f"current_timestamp::timestamp + interval 1 day "
                        f"or {column.name} < date '{BUSINESS_START}'"
                    ),
                )
            )
    for child, child_key, parent, parent_key, threshold in COVERAGE:
        if child == entity.key:
            parent_table = contract.entities()[parent].qualified_table
            suite.append(
                gxe.UnexpectedRowsExpectation(
                    description=f"at least {threshold:.0%} of {child_key} values exist in {parent}",
                    unexpected_rows_query=(
                        "select coverage from (select avg(case when p.k is null then 0.0 else 1.0 end) as coverage "
                        f"from {{batch}} as c left join (select distinct {parent_key} as k from {parent_table}) as p "
                        f"on c.{child_key} = p.k) where coverage < {threshold}"
                    ),
                )
            )
    if entity.key in VOLUME_CHECKED or entity.delivery == "append_only":
        suite.append(_volume_expectation(entity))
    return gx.ExpectationSuite(name=raw_suite_name(entity), expectations=suite)


def _volume_expectation(entity: contract.Entity):
    gxe = _gx().expectations
    return gxe.UnexpectedRowsExpectation(
        description=(
            f"each audited batch holds between {VOLUME_LOW}x and {VOLUME_HIGH}x the average rows of the "
            f"previous {VOLUME_HISTORY} batches that delivered this entity"
        ),
        severity="warning",
        unexpected_rows_query=_volume_query(entity),
    )


def _volume_query(entity: contract.Entity) -> str:
    return (
        "with per_batch as (select batch_id, rows_read from raw._load_log "
        f"where system = '{entity.system}' and entity = '{entity.name}'), "
        "history as (select batch_id, rows_read, avg(rows_read) over (order by batch_id rows between "
        f"{VOLUME_HISTORY} preceding and 1 preceding) as usual from per_batch) "
        "select batch_id, rows_read, usual from history "
        "cross join (select count(*) as audited_rows from {batch}) as audited "
        f"where batch_id in (select batch_id from {AUDIT_SCHEMA}.batches) and usual is not null "
        f"and (rows_read < {VOLUME_LOW} * usual or rows_read > {VOLUME_HIGH} * usual)"
    )


def mart_suite_name(schema: str, table: str) -> str:
    return f"marts.{schema}.{table}"


def mart_checks_from_manifest(manifest_path: Path) -> dict[str, dict]:
    """Primary keys of every mart from the dbt manifest's unique tests, keyed by "schema.table"."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    models = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"] in MART_SCHEMAS
    }
    checks: dict[str, dict] = {
        f"{n['schema']}.{n['alias']}": {"keys": [], "columns": list(n["columns"])} for n in models.values()
    }
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        meta = node.get("test_metadata") or {}
        parent = node.get("attached_node") or next(iter(node["depends_on"]["nodes"]), None)
        if parent not in models:
            continue
        name = f"{models[parent]['schema']}.{models[parent]['alias']}"
        kwargs = meta.get("kwargs", {})
        if meta.get("name") == "unique" and kwargs.get("column_name"):
            checks[name]["keys"].append([kwargs["column_name"]])
        elif meta.get("name") == "unique_combination_of_columns":
            columns = kwargs.get("combination_of_columns") or kwargs.get("arguments", {}).get("combination_of_columns")
            if columns:
                checks[name]["keys"].append(list(columns))
    return checks


def build_mart_suite(name: str, spec: dict, columns: list[str]):
    """Generic mart checks: rates within [0, 1], no duplicate keys; plus the mart's own rules."""
    gx = _gx()
    gxe = gx.expectations
    schema, table = name.split(".")
    suite: list = []
    suite.append(gxe.ExpectTableRowCountToBeBetween(min_value=0))
    for column in columns:
        if column.endswith(("_rate", "_share")):
            suite.append(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1))
    for key in spec["keys"]:
        if len(key) == 1:
            suite.append(gxe.ExpectColumnValuesToBeUnique(column=key[0]))
        else:
            suite.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=key))
    for description, query in MART_RULES.get(name, []):
        suite.append(gxe.UnexpectedRowsExpectation(description=description, unexpected_rows_query=query))
    return gx.ExpectationSuite(name=mart_suite_name(schema, table), expectations=suite)


# Business rules on specific marts, as SQL returning the offending rows ({batch} is the mart).
MART_RULES: dict[str, list[tuple[str, str]]] = {
    "conversion.funnel_conversion": [
        (
            "funnel counts never increase from one step to the next",
            "select * from {batch} where reached_count > previous_step_reached_count",
        ),
    ],
    "retention.cohort_retention": [
        (
            "cohort month 0 retention is 100%",
            "select * from {batch} where month_number = 0 and retention_rate <> 1",
        ),
    ],
    "conversion.store_conversion_daily": [
        (
            "net revenue in the mart reconciles with the staged receipts (to the cent)",
            "select mart.amount, staged.amount from (select coalesce(sum(net_revenue_amount), 0) as amount "
            "from {batch}) as mart cross join (select coalesce(sum(total_amount_reporting), 0) as amount "
            "from staging.stg_pos__receipts) as staged where abs(mart.amount - staged.amount) > 0.01",
        ),
    ],
}


# ---------------------------------------------------------------------------------------------
# Running validations
# ---------------------------------------------------------------------------------------------


def prepare_raw_audit(con: duckdb.DuckDBPyConnection, batches: list[str]) -> None:
    """Views over the rows of the batches being audited, one per raw entity."""
    con.execute(f"create schema if not exists {AUDIT_SCHEMA}")
    con.execute(f"create or replace table {AUDIT_SCHEMA}.batches (batch_id varchar)")
    if batches:
        con.executemany(f"insert into {AUDIT_SCHEMA}.batches values (?)", [[b] for b in batches])
    for entity in contract.entities().values():
        con.execute(
            f"create or replace view {raw_audit_view(entity)} as select * from {entity.qualified_table} "
            f"where _batch_id in (select batch_id from {AUDIT_SCHEMA}.batches)"
        )


def _context(root: Path = CONTEXT_DIR):
    gx = _gx()
    gx_duckdb.install()
    return gx.get_context(mode="file", context_root_dir=str(root))


def _runtime_context(db_path: Path):
    """A file data context beside the warehouse, holding the committed suites.

    Data sources, validation definitions, results and Data Docs change with every run and every
    warehouse, so they live there and never in the repository's `expectations/`.
    """
    root = db_path.parent / "gx"
    saved = CONTEXT_DIR / "expectations"
    target = root / "expectations"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(saved, target, ignore=shutil.ignore_patterns(".ge_store_backend_id"))
    return _context(root)


def _datasource(context, db_path: Path):
    os.environ[DB_ENV] = str(db_path)
    return context.data_sources.add_or_update_sql(name=DATASOURCE, connection_string=f"duckdb:///${{{DB_ENV}}}")


def _observed(result) -> str:
    res = result.result or {}
    for key in ("observed_value", "unexpected_count"):
        if key in res and res[key] is not None:
            return f"{key.replace('_', ' ')}: {res[key]}"
    rows = res.get("details", {}).get("unexpected_rows") if isinstance(res.get("details"), dict) else None
    return f"unexpected rows: {rows[:3]}" if rows else ""


def _errored(result) -> bool:
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return True
    return any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())


def run_suites(db_path: Path, scope: str, suites: dict[str, str], build_docs: bool = True) -> ValidationReport:
    """Validate each suite (name → query of its asset) against the database; never raises on data."""
    report = ValidationReport(scope)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        context = _runtime_context(db_path)
        source = _datasource(context, db_path)
        gx = _gx()
        for suite_name, query in suites.items():
            try:
                suite = context.suites.get(suite_name)  # written by `funnel expectations --write`
            except gx.exceptions.DataContextError:
                # fail closed: an unaudited table must not be published
                report.outcomes.append(
                    ExpectationOutcome(
                        suite=suite_name,
                        expectation="a suite exists for this table",
                        column=None,
                        severity="critical",
                        success=False,
                        errored=True,
                        observed="no suite saved: run `funnel expectations --write` after `funnel dbt parse`",
                    )
                )
                continue
            asset_name = suite_name.replace(".", "__")
            try:
                asset = source.get_asset(asset_name)
            except LookupError:
                asset = source.add_query_asset(name=asset_name, query=query)
            batch_definition = next(iter(asset.batch_definitions), None) or asset.add_batch_definition_whole_table(
                "all"
            )
            definition = gx.ValidationDefinition(name=asset_name, data=batch_definition, suite=suite)
            definition = context.validation_definitions.add_or_update(validation=definition)
            result = definition.run(result_format="SUMMARY")
            for r in result.results:
                config = r.expectation_config
                report.outcomes.append(
                    ExpectationOutcome(
                        suite=suite_name,
                        expectation=config.description or config.type,
                        column=config.kwargs.get("column"),
                        severity=str(getattr(config, "severity", "critical") or "critical").split(".")[-1].lower(),
                        success=bool(r.success),
                        errored=_errored(r),
                        observed=_observed(r),
                    )
                )
        # Release the file: DuckDB refuses a second in-process connection with other settings.
        source.get_engine().dispose()
        if build_docs:
            context.build_data_docs()
            report.docs_path = str(db_path.parent / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html")
    return report


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


def validate_pending_batches(settings: Settings) -> ValidationReport:
    """Audit every loaded batch whose current delivery has not passed an audit yet, and record it.

    A batch that failed stays pending, so it keeps blocking publication until it is re-delivered
    (or its data is fixed): a later run cannot publish it by accident.
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
    report = run_isolated("raw", settings.db_path, [batch_id for batch_id, _ in pending])
    if pending:
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


VALIDATION_TIMEOUT_SECONDS = 1800


def run_isolated(scope: str, db_path: Path, batches: list[str] | None = None) -> ValidationReport:
    """Validate in a child process: GX keeps pooled connections and global state that would hold
    the database file; a child releases everything when it exits, and can be timed out."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "funnel.quality", scope, str(db_path), str(out), *(batches or [])]
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=VALIDATION_TIMEOUT_SECONDS, cwd=PROJECT_ROOT
        )
        if completed.returncode != 0 or not out.exists():
            tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-15:])
            raise RuntimeError(f"the {scope} validation could not run (exit code {completed.returncode}):\n{tail}")
        doc = json.loads(out.read_text(encoding="utf-8"))
    report = ValidationReport(scope=doc["scope"], docs_path=doc.get("docs_path"))
    report.outcomes = [ExpectationOutcome(**o) for o in doc["outcomes"]]
    return report


def validate_raw(db_path: Path, batches: list[str]) -> ValidationReport:
    """Audit the rows of `batches` in every raw table."""
    with duckdb.connect(str(db_path)) as con:
        prepare_raw_audit(con, batches)
    suites = {raw_suite_name(e): f"select * from {raw_audit_view(e)}" for e in contract.entities().values()}
    return run_suites(db_path, "raw", suites)


def validate_marts(db_path: Path) -> ValidationReport:
    """Audit every mart table of the build database (in a child process)."""
    return run_isolated("marts", db_path)


def _validate_marts_here(db_path: Path) -> ValidationReport:
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables where table_type = 'BASE TABLE' "
            f"and table_schema in ({', '.join(repr(s) for s in MART_SCHEMAS)}) order by 1"
        ).fetchall()
    suites = {mart_suite_name(*t[0].split(".")): f"select * from {t[0]}" for t in tables}
    return run_suites(db_path, "marts", suites)


def build_suites(manifest_path: Path | None = None) -> list:
    """Every suite: one per raw entity, and one per mart of the dbt manifest when there is one."""
    suites = [build_raw_suite(entity) for entity in contract.entities().values()]
    manifest_path = manifest_path or _latest_manifest()
    if manifest_path is not None and manifest_path.exists():
        for name, spec in mart_checks_from_manifest(manifest_path).items():
            suites.append(build_mart_suite(name, spec, spec["columns"]))
    return suites


def _latest_manifest() -> Path | None:
    """The manifest of the default warehouse's last dbt run, else the project's `target/`."""
    from funnel.settings import load

    for candidate in (load().warehouse_dir / "dbt-target" / "manifest.json", PROJECT_ROOT / "target" / "manifest.json"):
        if candidate.exists():
            return candidate
    return None


def suite_path(name: str) -> Path:
    return CONTEXT_DIR / "expectations" / (name.replace(".", "/") + ".json")


def write_suites(manifest_path: Path | None = None) -> list[str]:
    """(Re)write every suite into the file data context, with stable ids; returns their names."""
    context = _context()
    names = []
    for suite in build_suites(manifest_path):
        # replace, never merge: add_or_update would append to a suite saved under another id
        suite_path(suite.name).unlink(missing_ok=True)
        context.suites.add(suite)
        _stabilize_ids(suite_path(suite.name))
        names.append(suite.name)
    return names


def _stabilize_ids(path: Path) -> None:
    """GX gives saved suites random ids; derive them from the content so that a rewrite is a no-op."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"funnel-suite:{doc['name']}"))
    for expectation in doc.get("expectations", []):
        body = json.dumps({k: v for k, v in expectation.items() if k != "id"}, sort_keys=True)
        expectation["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{doc['name']}:{body}"))
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def expectation_signature(suite_doc: dict) -> list[tuple[str, str, str]]:
    """What a suite checks, without ids: (type, kwargs, severity) per expectation."""
    return sorted(
        (e["type"], json.dumps(e.get("kwargs", {}), sort_keys=True), str(e.get("severity", "critical")))
        for e in suite_doc.get("expectations", [])
    )


def suite_names() -> list[str]:
    """Suites saved in the file data context."""
    folder = CONTEXT_DIR / "expectations"
    return sorted(p.relative_to(folder).with_suffix("").as_posix().replace("/", ".") for p in folder.rglob("*.json"))


def summarize(report: ValidationReport) -> str:
    lines = [
        f"{report.scope}: {report.count(success=True)} expectations passed, "
        f"{report.count(success=False, severity='critical')} critical and "
        f"{report.count(success=False, severity='warning')} warning failures"
    ]
    for outcome in report.failures[:20]:
        kind = "ERROR" if outcome.errored else outcome.severity.upper()
        column = f" [{outcome.column}]" if outcome.column else ""
        lines.append(f"  {kind}: {outcome.suite}{column}: {outcome.expectation} ({outcome.observed})")
    return "\n".join(lines)


def _main(argv: list[str]) -> None:
    """`python -m funnel.quality raw|marts DB OUT [BATCH...]`: validate and write the report as JSON."""
    from dataclasses import asdict

    scope, db_path, out, *batches = argv
    report = validate_raw(Path(db_path), batches) if scope == "raw" else _validate_marts_here(Path(db_path))
    payload = {"scope": report.scope, "docs_path": report.docs_path, "outcomes": [asdict(o) for o in report.outcomes]}
    Path(out).write_text(json.dumps(payload), encoding="utf-8")


if __name__ == "__main__":
    import sys

    _main(sys.argv[1:])
