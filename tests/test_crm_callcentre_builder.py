"""The call-centre Salesforce builder writes the funnel it promises, counted straight from its CSV files.

The counting here is independent of dbt: it reads the export as a person would, maps dispositions, event
outcomes and stages through the vocabulary seeds and the step patterns of `seeds/funnel_steps.csv`, and
applies the funnel's "reached this step or a later one" rule.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "crm"))

from build_callcentre_salesforce import EXPECTED_STEP_COUNTS, build_callcentre_salesforce  # noqa: E402

from funnel.generate.dialects import salesforce_id18  # noqa: E402

SEEDS = ROOT / "seeds"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _vocabulary(name: str) -> dict[str, str]:
    """Salesforce rows of a vocabulary of the `value_mapping` seed, keyed by the value lower-cased and trimmed."""
    rows = _rows(SEEDS / "vocabularies" / "value_mapping.csv")
    return {
        row["source_value"].strip().lower(): row["warehouse_value"]
        for row in rows
        if row["source_system"] == "salesforce" and row["vocabulary"] == name
    }


def _outbound_steps() -> tuple[list[str], dict[str, list[dict[str, str]]]]:
    steps: dict[str, list[dict[str, str]]] = defaultdict(list)
    order: dict[str, int] = {}
    for row in _rows(SEEDS / "funnel_steps.csv"):
        if row["funnel"] == "outbound":
            steps[row["step_name"]].append(row)
            order[row["step_name"]] = int(row["step_order"])
    return sorted(order, key=order.get), steps


def _step_counts(folder: Path) -> dict[str, int]:
    """Leads per outbound step, from the raw files: activities and stage entries matched to step patterns."""
    leads = {row["Id"]: row for row in _rows(folder / "Lead.csv") if row["IsDeleted"] == "false"}
    owner_of = {lead_id: lead_id for lead_id in leads}
    for lead_id, row in leads.items():
        for column in ("ConvertedContactId", "ConvertedOpportunityId"):
            if row[column]:
                owner_of[row[column]] = lead_id
    outcomes = meetings = _vocabulary("activity_outcome")
    stages = _vocabulary("opportunity_stage")
    events: dict[str, set[tuple[str, str, str]]] = defaultdict(set)  # lead -> (source, type or stage, outcome)
    for task in _rows(folder / "Task.csv"):
        if task["IsDeleted"] == "false" and task["TaskSubtype"] == "Call" and task["CallType"] == "Outbound":
            outcome = outcomes.get(task["CallDisposition"].strip().lower(), "unmapped")
            events[owner_of[task["WhoId"]]].add(("activity", "call", outcome))
    for event in _rows(folder / "Event.csv"):
        if event["IsDeleted"] == "false":
            outcome = meetings.get(event["Outcome__c"].strip().lower(), "unmapped")
            events[owner_of[event["WhoId"]]].add(("activity", "meeting", outcome))
    for entry in _rows(folder / "OpportunityHistory.csv"):
        events[owner_of[entry["OpportunityId"]]].add(("opportunity_stage", stages[entry["StageName"].lower()], ""))

    names, patterns = _outbound_steps()

    def matches(pattern: dict[str, str], event: tuple[str, str, str]) -> bool:
        source, kind, outcome = event
        if pattern["event_source"] != source:
            return False
        if source == "opportunity_stage":
            return pattern["stage"] == kind
        return pattern["activity_type"] in ("", kind) and pattern["outcome"] in ("", outcome)

    counts = dict.fromkeys(names, 0)
    for lead_id in leads:
        reached = [any(matches(p, e) for p in patterns[name] for e in events[lead_id]) for name in names]
        furthest = max((i for i, hit in enumerate(reached) if hit), default=-1)
        for name in names[: furthest + 1]:
            counts[name] += 1
    return counts


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("callcentre")
    build_callcentre_salesforce(out, batch="2026-07-01")
    return out / "2026-07-01" / "salesforce"


def test_steps_counted_from_the_files_match_the_seed_document(export: Path) -> None:
    assert _step_counts(export) == EXPECTED_STEP_COUNTS


def test_deleted_leads_are_written_but_outside_the_counts(export: Path) -> None:
    leads = _rows(export / "Lead.csv")
    assert sum(row["IsDeleted"] == "true" for row in leads) == 25
    assert sum(row["IsDeleted"] == "false" for row in leads) == 1500


def test_converted_leads_activities_point_at_their_contact(export: Path) -> None:
    converted = {row["ConvertedContactId"] for row in _rows(export / "Lead.csv") if row["IsConverted"] == "true"}
    assert len(converted) == 10
    events = _rows(export / "Event.csv")
    assert {row["WhoId"] for row in events if row["Outcome__c"] == "Held"} == converted


def test_ids_are_18_characters_with_a_valid_checksum(export: Path) -> None:
    for row in _rows(export / "Task.csv"):
        for column in ("Id", "WhoId", "OwnerId"):
            assert len(row[column]) == 18
            assert salesforce_id18(row[column][:15]) == row[column]


def test_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    build_callcentre_salesforce(first, seed=7, deleted_leads=0)
    build_callcentre_salesforce(second, seed=7, deleted_leads=0)
    for path in sorted((first / "2026-07-01" / "salesforce").iterdir()):
        assert path.read_bytes() == (second / "2026-07-01" / "salesforce" / path.name).read_bytes()


def test_id18_matches_salesforce_published_examples() -> None:
    # Salesforce's LongSfid() documentation: 0036000000QKv5T -> 0036000000QKv5TAAT
    assert salesforce_id18("0036000000QKv5T") == "0036000000QKv5TAAT"
    assert salesforce_id18("70130000001tcyI") == "70130000001tcyIAAQ"
    with pytest.raises(ValueError, match="15 characters"):
        salesforce_id18("0036000000QKv5TAAT")
