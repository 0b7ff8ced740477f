"""The GX gates: saved suites match the code, bad raw data fails critically, errors fail closed."""

from __future__ import annotations

import json

from funnel import contract, ingest, quality

RECEIPTS = (
    "receipt_id,store_id,customer_id,occurred_at,total_amount,currency,payment_method,is_return,original_receipt_id\n"
)
STORES = "store_id,store_name,city,store_format,opened_on,updated_at\nS1,One,Pécs,mall,2020-01-01,2026-01-01\n"


def test_saved_raw_suites_are_what_the_code_builds():
    quality._context()  # GX builds suites only inside a data context
    for entity in contract.entities().values():
        built = quality.build_raw_suite(entity)
        saved = json.loads(quality.suite_path(built.name).read_text(encoding="utf-8"))
        built_doc = json.loads(built.json()) if hasattr(built, "json") else built.to_json_dict()
        assert quality.expectation_signature(saved) == quality.expectation_signature(built_doc), (
            f"{built.name} is stale: run `funnel expectations --write`"
        )


def test_every_mart_of_the_last_build_has_a_saved_suite(demo_run):
    manifest = demo_run[2].parent / "dbt-target" / "manifest.json"
    marts = quality.mart_checks_from_manifest(manifest)
    assert len(marts) >= 20
    missing = [name for name in marts if not quality.suite_path(quality.mart_suite_name(*name.split("."))).exists()]
    assert missing == [], "run `funnel expectations --write`"


def _outcome(severity: str, success: bool, errored: bool = False) -> quality.ExpectationOutcome:
    return quality.ExpectationOutcome("s", "e", None, severity, success, errored, "")


def test_only_critical_failures_and_errors_block_publishing():
    report = quality.ValidationReport("raw", [_outcome("critical", True), _outcome("warning", False)])
    assert report.passed
    report.outcomes.append(_outcome("critical", False))
    assert not report.passed
    errored = quality.ValidationReport("raw", [_outcome("critical", True, errored=True)])
    assert not errored.passed, "an expectation that errors must fail closed"


def test_raw_audit_fails_critically_on_unknown_enumerations_and_orphan_stores(con, batch_writer, wh_settings):
    receipts = RECEIPTS + (
        "R1,S1,,2026-01-05 10:00:00,100.00,HUF,cash,false,\n"
        "R2,S9,,2026-01-05 11:00:00,50.00,HUF,bitcoin,false,\n"  # unknown store, unknown payment method
    )
    batch = batch_writer("2026-01-07", {"pos/receipts.csv": receipts, "pos/stores.csv": STORES})
    ingest.load_batch(con, batch, timezone="Europe/Budapest")
    con.close()

    report = quality.run_isolated("raw", wh_settings.db_path, ["2026-01-07"])

    failed = {(o.suite, o.expectation) for o in report.outcomes if not o.success}
    assert ("raw.pos.receipts", "payment_method is one of card, cash, voucher") in failed
    assert ("raw.pos.receipts", "at least 99% of store_id values exist in pos/stores") in failed
    assert not report.passed
    passed = {(o.suite, o.expectation) for o in report.outcomes if o.success}
    assert ("raw.pos.stores", "store_format is one of flagship, mall, high_street, outlet") in passed
