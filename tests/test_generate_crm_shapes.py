"""`funnel generate --crm`: the same simulated business in each CRM's export shape publishes the same funnel.

One small world (same seed, days and scale) is generated four times: in the generic contract and as
Salesforce, HubSpot and Bitrix24 export it. The four CRM parts go into one warehouse, as the CRMs of one
company would (the adapters namespace their ids), with the point of sale and marketing once; one dbt build
then gives each source system's leads their funnel steps, compared here source by source.

HubSpot's portal has dispositions and a deal stage of its own (HubSpot's defaults have no "Not interested",
"Meeting booked", "Call back later" or "Do not call", and no proposal stage): they get seed rows, as a
business adds them (README), mapped here by their labels. Bitrix24 cannot say what a connected call was
about: its telephony records only whether a call connected (200) or why it failed, so every picked-up
call, an answering machine's included, is a conversation, and an agreement is seen only when the meeting
is held. Its differences are asserted as worked out from the generic shape's own calls.
"""

from __future__ import annotations

import csv
import filecmp
import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from funnel import ingest, transform, warehouse
from funnel import settings as config
from funnel.cli import app
from funnel.generate import generate

SHAPES = ("generic", "salesforce", "hubspot", "bitrix24")
VENDORS = SHAPES[1:]
# The smallest world found with every step of both funnels reached (won included) in the generic shape.
WORLD = {"days": 70, "scale": 0.004, "seed": 7, "end_date": date(2026, 10, 31)}
MARTS = ("+fct_lead_funnel_steps", "+call_outcomes_daily", "+unmapped_values")
# The HubSpot portal's own dispositions and stage, by label, as its business maps them.
HUBSPOT_DISPOSITION_LABELS = {
    "Not interested": "rejected",
    "Meeting booked": "agreed",
    "Call back later": "callback",
    "Do not call": "blocked",
}
HUBSPOT_STAGE_LABELS = {"Proposal": "proposal"}
# Outcomes of a call that was picked up: Bitrix24's telephony records each as code 200 (connected).
PICKED_UP = ("voicemail", "rejected", "conversation", "callback", "agreed")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _combine(shapes: dict[str, Path], out: Path) -> list[str]:
    """The generic batches with each vendor's CRM folder added; manifests merged. Returns the batch ids."""
    batches = sorted(p.name for p in shapes["generic"].iterdir() if p.is_dir())
    for batch in batches:
        shutil.copytree(shapes["generic"] / batch, out / batch)
        manifest = json.loads((out / batch / "_manifest.json").read_text(encoding="utf-8"))
        for vendor in VENDORS:
            shutil.copytree(shapes[vendor] / batch / vendor, out / batch / vendor)
            vendor_manifest = json.loads((shapes[vendor] / batch / "_manifest.json").read_text(encoding="utf-8"))
            manifest["files"] += [f for f in vendor_manifest["files"] if f["path"].startswith(f"{vendor}/")]
        (out / batch / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return batches


def _hubspot_seed_rows(hubspot: Path) -> list[tuple[str, str, str, str, str]]:
    """value_mapping rows for the portal's own dispositions and stages, found by label in its exports."""
    rows = []
    for path in sorted(hubspot.glob("*/hubspot/call_dispositions.csv")):
        for row in _rows(path):
            if row["label"] in HUBSPOT_DISPOSITION_LABELS:
                rows.append(("activity_outcome", row["id"], HUBSPOT_DISPOSITION_LABELS[row["label"]]))
    for path in sorted(hubspot.glob("*/hubspot/deal_pipeline_stages.csv")):
        for row in _rows(path):
            if row["label"] in HUBSPOT_STAGE_LABELS:
                rows.append(("opportunity_stage", row["stage_id"], HUBSPOT_STAGE_LABELS[row["label"]]))
    return sorted({(vocabulary, "hubspot", value, mapped, "business") for vocabulary, value, mapped in rows})


@pytest.fixture(scope="module")
def shapes(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("crm_shapes")
    for shape in SHAPES:
        generate(root / shape, crm=shape, **WORLD)
    return {shape: root / shape for shape in SHAPES}


@pytest.fixture(scope="module")
def built(shapes, tmp_path_factory) -> Path:
    """One warehouse holding the four shapes' CRM parts, built through the conversion marts."""
    root = tmp_path_factory.mktemp("crm_shapes_warehouse")
    extracts = root / "extracts"
    batches = _combine(shapes, extracts)
    settings = config.Settings(warehouse_dir=root / "warehouse", timezone="Europe/Budapest", memory_limit="2GB")
    con = warehouse.connect(settings)
    warehouse.ensure_raw_schema(con)
    for batch in batches:
        assert ingest.load_batch(con, extracts / batch, timezone="Europe/Budapest").rows_quarantined == 0
    con.close()
    vars_ = json.dumps({"as_of_date": WORLD["end_date"].isoformat()})
    transform.run_dbt(["seed", "--vars", vars_], settings, echo=None)
    with duckdb.connect(str(settings.db_path)) as con:
        con.executemany(
            "insert into reference.value_mapping values (?, ?, ?, ?, ?)", _hubspot_seed_rows(shapes["hubspot"])
        )
    transform.run_dbt(
        ["run", "--select", *MARTS, "--exclude", "resource_type:seed", "--vars", vars_], settings, echo=None
    )
    return settings.db_path


def _query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _steps(db: Path, system: str) -> dict[tuple[str, str], int]:
    """Leads that reached each step of each funnel, for one source system's leads."""
    rows = _query(
        db,
        "select steps.funnel, steps.step_name, count(*) filter (where steps.is_reached) "
        "from conversion.fct_lead_funnel_steps as steps "
        "inner join intermediate.int_leads_enriched as leads on steps.lead_id = leads.lead_id "
        f"where leads.source_system = '{system}' group by all",
    )
    return {(funnel, step): n for funnel, step, n in rows}


def _outcomes(db: Path, system: str) -> dict[str, int]:
    """Outbound dials by outcome, for one source system's callers."""
    rows = _query(
        db,
        "select calls.outcome, sum(calls.dial_count) from conversion.call_outcomes_daily as calls "
        "inner join intermediate.int_crm_users_unioned as users on calls.owner_user_id = users.user_id "
        f"where users.source_system = '{system}' group by all",
    )
    return {outcome: int(n) for outcome, n in rows}


def test_point_of_sale_and_marketing_are_written_the_same_in_every_shape(shapes):
    for vendor in VENDORS:
        for batch in (p for p in shapes["generic"].iterdir() if p.is_dir()):
            for system in ("pos", "marketing"):
                names = sorted(p.name for p in (batch / system).iterdir())
                vendor_folder = shapes[vendor] / batch.name / system
                assert sorted(p.name for p in vendor_folder.iterdir()) == names
                match, mismatch, errors = filecmp.cmpfiles(batch / system, vendor_folder, names, shallow=False)
                assert (mismatch, errors) == ([], [])
            assert not (shapes[vendor] / batch.name / "crm").exists()


def test_the_world_is_big_enough_to_reach_every_step(built):
    steps = _steps(built, "crm")
    assert len(steps) == 12
    assert all(n > 0 for n in steps.values()), steps


@pytest.mark.parametrize("vendor", ["salesforce", "hubspot"])
def test_salesforce_and_hubspot_publish_the_generic_shapes_steps_and_call_outcomes(built, vendor):
    assert _steps(built, vendor) == _steps(built, "crm")
    assert _outcomes(built, vendor) == _outcomes(built, "crm")


def test_bitrix24_calls_count_every_picked_up_call_as_a_conversation(built):
    generic = _outcomes(built, "crm")
    expected = {outcome: n for outcome, n in generic.items() if outcome not in PICKED_UP}
    expected["conversation"] = sum(generic.get(outcome, 0) for outcome in PICKED_UP)
    assert _outcomes(built, "bitrix24") == expected


def test_bitrix24_publishes_the_generic_steps_but_what_its_telephony_cannot_tell(built):
    generic, bitrix24 = _steps(built, "crm"), _steps(built, "bitrix24")
    # reached: a generic lead reached, or one whose call in its conversion window met an answering machine
    (reached_or_voicemail,) = _query(
        built,
        """
        select count(distinct leads.lead_id)
        from intermediate.int_leads_assigned_to_funnels as leads
        inner join intermediate.int_leads_enriched as enriched
            on leads.lead_id = enriched.lead_id and enriched.source_system = 'crm'
        inner join conversion.fct_lead_funnel_steps as steps
            on leads.lead_id = steps.lead_id and steps.funnel = 'outbound' and steps.step_name = 'reached'
        left join intermediate.int_crm_activities_unioned as calls
            on leads.lead_id = calls.lead_id
            and calls.activity_type = 'call' and calls.direction = 'outbound' and calls.outcome = 'voicemail'
            and calls.occurred_at >= leads.created_at and calls.occurred_at < leads.conversion_window_ends_at
        where steps.is_reached or calls.activity_id is not null
        """,
    )[0]
    expected = dict(generic)
    expected["outbound", "reached"] = reached_or_voicemail
    expected["outbound", "listened"] = reached_or_voicemail  # every connected call is a conversation
    expected["outbound", "agreed"] = generic["outbound", "attended"]  # seen only as the meeting held
    assert bitrix24 == expected
    assert reached_or_voicemail > generic["outbound", "reached"]


def test_what_stays_unmapped_is_the_bitrix24_portals_own_department_names(built):
    # the portal's departments are named in Russian by the business; a seed row per department maps them
    unmapped = _query(
        built, "select distinct model_name, vocabulary, source_value from diagnostics.unmapped_values order by all"
    )
    assert unmapped == [
        ("stg_bitrix24__users", "team", "Выездные продажи"),
        ("stg_bitrix24__users", "team", "Колл-центр (аутсорс)"),
        ("stg_bitrix24__users", "team", "Отдел продаж"),
    ]


def _all_rows(out: Path, file: str) -> list[dict[str, str]]:
    return [row for path in sorted(out.glob(f"*/{file}")) for row in _rows(path)]


def test_each_vendor_writes_its_own_ids_times_and_units(shapes):
    generic_calls = [r for r in _all_rows(shapes["generic"], "crm/activities.csv") if r["activity_type"] == "call"]
    # Salesforce: 18-character ids whose suffix spells the upper-case letters; GMT with milliseconds
    leads = _all_rows(shapes["salesforce"], "salesforce/Lead.csv")
    assert all(len(r["Id"]) == 18 and r["Id"].startswith("00Q") for r in leads)
    assert all(r["CreatedDate"].endswith(".000Z") for r in leads)
    # HubSpot: a call's duration in milliseconds, its time in epoch milliseconds
    calls = _all_rows(shapes["hubspot"], "hubspot/calls.csv")
    assert sum(int(r["hs_call_duration"] or 0) for r in calls) == 1000 * sum(
        int(r["duration_seconds"] or 0) for r in _latest(generic_calls)
    )
    assert all(len(r["hs_timestamp"]) == 13 and r["hs_timestamp"].isdigit() for r in calls)
    # Bitrix24: numeric ids, times with the portal's UTC offset (Budapest: +01:00 in winter, +02:00 in summer)
    bitrix_leads = _all_rows(shapes["bitrix24"], "bitrix24/crm_lead.csv")
    assert all(r["ID"].isdigit() for r in bitrix_leads)
    assert {r["DATE_CREATE"][-6:] for r in bitrix_leads} <= {"+01:00", "+02:00"}


def _latest(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The latest version of each generic activity."""
    latest: dict[str, dict[str, str]] = {}
    for row in sorted(rows, key=lambda r: r["updated_at"]):
        latest[row["activity_id"]] = row
    return list(latest.values())


def test_the_cli_writes_a_vendor_shape_and_refuses_what_it_cannot_write(tmp_path):
    runner = CliRunner()
    args = ["generate", "--days", "8", "--scale", "0.002", "--crm", "bitrix24"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert {p.name for batch in (tmp_path / "b").iterdir() for p in batch.iterdir() if p.is_dir()} == {
        "bitrix24", "pos", "marketing",
    }  # fmt: skip
    refused = runner.invoke(app, [*args, "--format", "parquet", "--out", str(tmp_path / "p")])
    assert refused.exit_code != 0
    assert "clean CSV only" in refused.output
    unknown = runner.invoke(app, [*args[:-1], "pipedrive", "--out", str(tmp_path / "u")])
    assert unknown.exit_code != 0
    assert "generic, salesforce, hubspot, bitrix24" in unknown.output
