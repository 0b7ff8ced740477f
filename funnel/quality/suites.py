"""Great Expectations suites, built in code from the extract contract and the rules.

Suites are saved as JSON in the file data context under `expectations/` (`funnel expectations
--write`), with ids derived from their content so that rewriting them is a no-op; a test keeps the
saved suites in step with the code. They do not hold settings: the raw suites read the business
start and the future tolerance from the `audit.settings` table that each audit fills with the
run's settings, so changing a setting never means rewriting committed files.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from funnel import contract
from funnel.project import PROJECT_ROOT
from funnel.quality.rules import (
    BOUNDS,
    COVERAGE,
    MART_RULES,
    PLANNED_DATES,
    VOLUME_CHECKED,
    VOLUME_HIGH,
    VOLUME_HISTORY,
    VOLUME_LOW,
)

CONTEXT_DIR = PROJECT_ROOT / "expectations"
AUDIT_SCHEMA = "audit"
LINEAGE = ["_batch_id", "_source_file", "_source_line", "_loaded_at"]


def gx():
    import great_expectations

    return great_expectations


def raw_audit_view(entity: contract.Entity) -> str:
    return f'{AUDIT_SCHEMA}."raw__{entity.system}__{entity.name}"'


def raw_suite_name(entity: contract.Entity) -> str:
    return f"raw.{entity.system}.{entity.name}"


def mart_suite_name(schema: str, table: str) -> str:
    return f"marts.{schema}.{table}"


def _setting(name: str) -> str:
    return f"(select {name} from {AUDIT_SCHEMA}.settings)"


def _types_expectation(entity: contract.Entity):
    expected = ", ".join(f"('{c.name}', '{c.data_type.upper().replace(' ', '')}')" for c in entity.columns)
    return gx().expectations.UnexpectedRowsExpectation(
        description=f"columns of raw.{entity.raw_table} have their contract types",
        unexpected_rows_query=(
            # the cross join names the batch, as GX asks, without filtering anything
            "select c.column_name, c.data_type from information_schema.columns as c "
            "cross join (select count(*) as audited_rows from {batch}) as audited "
            f"inner join (values {expected}) as e(column_name, data_type) using (column_name) "
            f"where c.table_schema = '{contract.RAW_SCHEMA}' and c.table_name = '{entity.raw_table}' "
            "and replace(upper(c.data_type), ' ', '') <> e.data_type"
        ),
    )


def _time_expectations(column: contract.Column) -> list:
    """An observed timestamp lies after the business started and not (much) in the future."""
    gxe = gx().expectations
    name = column.name
    return [
        gxe.UnexpectedRowsExpectation(
            description=f"{name} is not before the business start (setting business_start)",
            # a timestamp (UTC) against midnight of the business start in the warehouse's time zone
            unexpected_rows_query=(
                f"select {name} from {{batch}} where {name} < "
                + (_setting("business_start_at") if column.data_type == "timestamp" else _setting("business_start"))
            ),
            meta={"setting": "business_start", "hint": "set business_start if your history is older"},
        ),
        gxe.UnexpectedRowsExpectation(
            description=f"{name} is not in the future (setting future_tolerance_hours)",
            unexpected_rows_query=(
                f"select {name} from {{batch}} where {name} > current_timestamp::timestamp "
                f"+ to_hours({_setting('future_tolerance_hours')})"
            ),
            meta={
                "setting": "future_tolerance_hours",
                "hint": "check the source's clock, or raise future_tolerance_hours",
            },
        ),
    ]


def _coverage_expectation(rule) -> object:
    parent_table = contract.entities()[rule.parent].qualified_table
    return gx().expectations.UnexpectedRowsExpectation(
        description=f"at least {rule.share:.0%} of {rule.child_key} values exist in {rule.parent}",
        unexpected_rows_query=(
            "select coverage from (select avg(case when p.k is null then 0.0 else 1.0 end) as coverage "
            f"from {{batch}} as c left join (select distinct {rule.parent_key} as k from {parent_table}) as p "
            f"on c.{rule.child_key} = p.k) where coverage < {rule.share}"
        ),
    )


def _volume_expectation(entity: contract.Entity):
    return gx().expectations.UnexpectedRowsExpectation(
        description=(
            f"each audited batch holds between {VOLUME_LOW}x and {VOLUME_HIGH}x the average rows of the "
            f"previous {VOLUME_HISTORY} batches that delivered this entity"
        ),
        severity="warning",
        unexpected_rows_query=(
            "with per_batch as (select batch_id, rows_read from raw._load_log "
            f"where system = '{entity.system}' and entity = '{entity.name}'), "
            "history as (select batch_id, rows_read, avg(rows_read) over (order by batch_id rows between "
            f"{VOLUME_HISTORY} preceding and 1 preceding) as usual from per_batch) "
            "select batch_id, rows_read, usual from history "
            "cross join (select count(*) as audited_rows from {batch}) as audited "
            f"where batch_id in (select batch_id from {AUDIT_SCHEMA}.batches) and usual is not null "
            f"and (rows_read < {VOLUME_LOW} * usual or rows_read > {VOLUME_HIGH} * usual)"
        ),
    )


def build_raw_suite(entity: contract.Entity):
    """The suite for one raw entity, validated on the rows of the batches being audited."""
    gxe = gx().expectations
    # Collect first, build the suite last: add_expectation on a suite whose name is already saved
    # writes into the saved one.
    suite: list = [
        gxe.ExpectTableColumnsToMatchSet(column_set=entity.column_names + LINEAGE, exact_match=True),
        _types_expectation(entity),
    ]
    for column in entity.columns:
        if column.required:
            suite.append(gxe.ExpectColumnValuesToNotBeNull(column=column.name))
        for bound in BOUNDS:
            if (bound.entity, bound.column) == (entity.key, column.name):
                suite.append(
                    gxe.ExpectColumnValuesToBeBetween(
                        column=column.name, min_value=bound.low, max_value=bound.high, severity=bound.severity
                    )
                )
        if column.data_type in ("timestamp", "date") and (entity.key, column.name) not in PLANNED_DATES:
            suite += _time_expectations(column)
    suite += [_coverage_expectation(rule) for rule in COVERAGE if rule.child == entity.key]
    if entity.key in VOLUME_CHECKED or entity.delivery == "append_only":
        suite.append(_volume_expectation(entity))
    return gx().ExpectationSuite(name=raw_suite_name(entity), expectations=suite)


def build_mart_suite(name: str):
    """The cross-mart reconciliations of one mart: what dbt's per-model tests cannot state.

    Rates within [0, 1] and unique keys are dbt tests of each mart; Great Expectations guards what
    spans marts and staging, before anything is published (funnel/quality/rules.py: MART_RULES).
    """
    gxe = gx().expectations
    schema, table = name.split(".")
    suite = [
        gxe.UnexpectedRowsExpectation(
            description=rule.description, unexpected_rows_query=rule.query, severity=rule.severity
        )
        for rule in MART_RULES[name]
    ]
    return gx().ExpectationSuite(name=mart_suite_name(schema, table), expectations=suite)


def build_suites() -> list:
    """Every suite: one per raw entity, one per mart with reconciliation rules."""
    suites = [build_raw_suite(entity) for entity in contract.entities().values()]
    suites += [build_mart_suite(name) for name in MART_RULES]
    return suites


def suite_path(name: str) -> Path:
    return CONTEXT_DIR / "expectations" / (name.replace(".", "/") + ".json")


def file_context(root: Path = CONTEXT_DIR):
    from funnel import gx_duckdb

    gx_duckdb.install()
    return gx().get_context(mode="file", context_root_dir=str(root))


def write_suites() -> list[str]:
    """(Re)write every suite into the file data context, with stable ids, and remove suites that
    no rule asks for any more; returns their names."""
    context = file_context()
    names = []
    built = build_suites()
    for stale in set(suite_names()) - {suite.name for suite in built}:
        suite_path(stale).unlink()
    for suite in built:
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
