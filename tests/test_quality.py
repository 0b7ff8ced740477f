"""The GX gates: saved suites match the code, bad raw data fails critically, errors fail closed."""

from __future__ import annotations

import json

from funnel import ingest, quality

RECEIPTS = (
    "receipt_id,store_id,customer_id,occurred_at,total_amount,currency,payment_method,is_return,original_receipt_id\n"
)
STORES = "store_id,store_name,city,store_format,opened_on,updated_at\nS1,One,Pécs,mall,2020-01-01,2026-01-01\n"
AUDIT_SETTINGS = {"business_start": "2010-01-01", "future_tolerance_hours": 24, "warehouse_timezone": "Europe/Budapest"}


def test_saved_suites_are_exactly_what_the_code_builds():
    quality.file_context()  # GX builds suites only inside a data context
    built = {suite.name: suite for suite in quality.build_suites()}
    assert set(quality.suite_names()) == set(built), "run `funnel expectations --write`"
    for name, suite in built.items():
        saved = json.loads(quality.suite_path(name).read_text(encoding="utf-8"))
        built_doc = json.loads(suite.json()) if hasattr(suite, "json") else suite.to_json_dict()
        assert quality.expectation_signature(saved) == quality.expectation_signature(built_doc), (
            f"{name} is stale: run `funnel expectations --write`"
        )


def test_every_mart_a_reconciliation_names_is_built(demo_run):
    db_path = demo_run[2]
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    built = {f"{schema}.{table}" for schema, table in tables}
    assert set(quality.MART_RULES) <= built


def _outcome(severity: str, success: bool, errored: bool = False) -> quality.ExpectationOutcome:
    return quality.ExpectationOutcome("s", "e", None, severity, success, errored, "")


def test_only_critical_failures_and_errors_block_publishing():
    report = quality.ValidationReport("raw", [_outcome("critical", True), _outcome("warning", False)])
    assert report.passed
    report.outcomes.append(_outcome("critical", False))
    assert not report.passed
    errored = quality.ValidationReport("raw", [_outcome("critical", True, errored=True)])
    assert not errored.passed, "an expectation that errors must fail closed"


def test_raw_audit_blocks_orphan_stores_but_never_a_value_the_source_system_controls(con, batch_writer, wh_settings):
    receipts = RECEIPTS + (
        "R1,S1,,2026-01-05 10:00:00,100.00,HUF,cash,false,\n"
        "R2,S9,,2026-01-05 11:00:00,50.00,HUF,bitcoin,false,\n"  # unknown store; a payment method nobody listed
    )
    stores = STORES + "S2,Two,Győr,online,2020-01-01,2026-01-01\n"  # a store format nobody listed
    batch = batch_writer("2026-01-07", {"pos/receipts.csv": receipts, "pos/stores.csv": stores})
    ingest.load_batch(con, batch, timezone="Europe/Budapest")
    con.close()

    report = quality.run_isolated("raw", wh_settings.db_path, ["2026-01-07"], AUDIT_SETTINGS)

    failed = {(o.suite, o.expectation) for o in report.outcomes if not o.success}
    assert failed == {("raw.pos.receipts", "at least 99% of store_id values exist in pos/stores")}
    assert not report.passed


def test_history_older_than_the_business_start_is_blocked_with_the_setting_named(con, batch_writer, wh_settings):
    receipts = RECEIPTS + "R1,S1,,1997-03-02 10:00:00,100.00,HUF,cash,false,\n"
    batch = batch_writer("1997-03-08", {"pos/receipts.csv": receipts, "pos/stores.csv": STORES})
    ingest.load_batch(con, batch, timezone="Europe/Budapest")
    con.close()

    blocked = quality.run_isolated("raw", wh_settings.db_path, ["1997-03-08"], AUDIT_SETTINGS)
    failures = [o for o in blocked.outcomes if not o.success]
    assert [(o.suite, o.expectation) for o in failures] == [
        ("raw.pos.receipts", "occurred_at is not before the business start (setting business_start)")
    ]
    assert failures[0].hint == "set business_start if your history is older (now 2010-01-01)"
    assert "set business_start if your history is older (now 2010-01-01)" in quality.summarize(blocked)

    # the same saved suite, another setting: no file under expectations/ changes
    saved = {p: p.read_bytes() for p in (quality.suite_path("raw.pos.receipts"),)}
    passed = quality.run_isolated(
        "raw", wh_settings.db_path, ["1997-03-08"], {**AUDIT_SETTINGS, "business_start": "1990-01-01"}
    )
    assert passed.passed and not [o for o in passed.outcomes if not o.success]
    assert {p: p.read_bytes() for p in saved} == saved


def test_timestamps_in_the_future_beyond_the_tolerance_are_blocked(con, batch_writer, wh_settings):
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    # wall-clock time in the warehouse zone, as the extract writes it; the raw table keeps it in UTC
    budapest = datetime.now(ZoneInfo("Europe/Budapest"))
    soon = (budapest + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    later_at = budapest + timedelta(days=3)
    later = later_at.strftime("%Y-%m-%d %H:%M:%S")
    later_utc = later_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    receipts = RECEIPTS + f"R1,S1,,{soon},1.00,HUF,cash,false,\nR2,S1,,{later},1.00,HUF,cash,false,\n"
    batch = batch_writer("2026-01-07", {"pos/receipts.csv": receipts, "pos/stores.csv": STORES})
    ingest.load_batch(con, batch, timezone="Europe/Budapest")
    con.close()

    report = quality.run_isolated("raw", wh_settings.db_path, ["2026-01-07"], AUDIT_SETTINGS)
    failed = [o for o in report.outcomes if not o.success]
    assert [o.expectation for o in failed] == ["occurred_at is not in the future (setting future_tolerance_hours)"]
    assert failed[0].observed == f"observed value: 1, e.g. [('{later_utc}',)]"
    relaxed = quality.run_isolated(
        "raw", wh_settings.db_path, ["2026-01-07"], {**AUDIT_SETTINGS, "future_tolerance_hours": 100}
    )
    assert relaxed.passed
