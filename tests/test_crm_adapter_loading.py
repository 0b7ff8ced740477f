"""The loader on CRM exports as the vendors write them: their file names, headers, times and encodings."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from funnel import ingest

FIXTURES = Path(__file__).parent / "fixtures" / "crm"


def load(con, batch) -> ingest.BatchResult:
    return ingest.load_batch(con, batch, timezone="Europe/Budapest")


def test_hubspot_epoch_milliseconds_and_iso_times_are_the_same_instants(con, batch_writer):
    # 1772442300000 ms = 2026-03-02 09:05:00 UTC (worked out: 1772442300 s - 1772409600 s for 2026-03-02 00:00 UTC
    # = 32700 s = 9 h 5 min); the ISO value says the same instant with an offset, the naive one in Budapest time
    calls = (
        "hs_object_id,hs_timestamp,hs_call_disposition,hubspot_owner_id,Associated Contact IDs,hs_lastmodifieddate\n"
        "1,1772442300000,,7,51001,2026-03-02T09:05:00.000Z\n"
        "2,2026-03-02T10:05:00+01:00,,7,51001,1772442300000\n"
        "3,2026-03-02 10:05:00,,7,51001,\n"
        "4,yesterday,,7,51001,\n"
    )
    batch = batch_writer("2026-03-16", {"hubspot/calls.csv": calls})

    result = load(con, batch)

    rows = con.execute(
        "select hs_object_id, hs_timestamp, hs_lastmodifieddate from raw.hubspot__calls order by 1"
    ).fetchall()
    nine_oh_five = datetime(2026, 3, 2, 9, 5)
    assert rows == [("1", nine_oh_five, nine_oh_five), ("2", nine_oh_five, nine_oh_five), ("3", nine_oh_five, None)]
    quarantined = con.execute("select line_number, column_name, reason from raw._quarantine").fetchall()
    assert quarantined == [
        (
            5,
            "hs_timestamp",
            "column hs_timestamp: expected a timestamp written as milliseconds since 1970-01-01 UTC or "
            "ISO-8601 (YYYY-MM-DD HH:MM:SS, optional UTC offset), got 'yesterday'",
        )
    ]
    assert result.rows_read == 4 and result.rows_loaded == 3


def test_an_alias_fills_a_column_and_the_own_name_wins_over_it(con, batch_writer):
    # HubSpot's exports label the association column "Associated Contact IDs"; a sync writes `contacts`
    meetings = (
        "hs_object_id,hs_timestamp,hs_meeting_outcome,hubspot_owner_id,Associated Contact IDs\n"
        "45001,1773050400000,NO_SHOW,70001,51004\n"
    )
    contacts = (
        "vid,createdate,lastmodifieddate,hs_lastmodifieddate,hs_analytics_source,hubspot_owner_id\n"
        "51004,1772442300000,2026-03-09T11:00:00Z,2020-01-01T00:00:00Z,OFFLINE,70001\n"
    )
    batch = batch_writer("2026-03-16", {"hubspot/meetings.csv": meetings, "hubspot/contacts.csv": contacts})

    load(con, batch)

    assert con.execute("select associated_contact_ids from raw.hubspot__meetings").fetchall() == [("51004",)]
    assert con.execute("select hs_object_id, lastmodifieddate from raw.hubspot__contacts").fetchall() == [
        ("51004", datetime(2026, 3, 9, 11, 0))
    ]


def test_columns_matching_a_pattern_are_gathered_into_one_json_object(con, batch_writer):
    # a portal's own stage (1099887766) has a date-entered property nobody could list in advance
    deals = (
        "hs_object_id,dealstage,amount,hubspot_owner_id,Associated Contact IDs,createdate,"
        "hs_v2_date_entered_qualifiedtobuy,hs_v2_date_entered_1099887766,hs_date_entered_qualifiedtobuy\n"
        "81008,1099887766,3900000,70001,51008,2026-03-06T09:00:00.000Z,2026-03-06T09:00:00.000Z,"
        "2026-03-10T11:00:00.000Z,1772787600000\n"
    )
    batch = batch_writer("2026-03-16", {"hubspot/deals.csv": deals})

    result = load(con, batch)

    current, legacy = con.execute(
        "select date_entered_stages, date_entered_stages_legacy from raw.hubspot__deals"
    ).fetchone()
    assert json.loads(current) == {
        "hs_v2_date_entered_qualifiedtobuy": "2026-03-06T09:00:00.000Z",
        "hs_v2_date_entered_1099887766": "2026-03-10T11:00:00.000Z",
    }
    assert json.loads(legacy) == {"hs_date_entered_qualifiedtobuy": "1772787600000"}
    assert not any("ignored column" in note for note in result.files[0].notes)


def test_vendor_file_names_match_without_regard_to_case(con, batch_writer):
    users = (
        "Id,Name,Department,IsActive,SystemModstamp\n"
        "0055g00000AbCdEAAV,Anna Kovács,Inside Sales,true,2026-01-05T08:00:00.000Z\n"
    )
    batch = batch_writer("2026-03-16", {"salesforce/user.csv": users})

    result = load(con, batch)

    assert result.files[0].entity == "User"
    assert con.execute("select id, department from raw.salesforce__user").fetchall() == [
        ("0055g00000AbCdEAAV", "Inside Sales")
    ]


def test_the_hand_written_exports_load_without_a_quarantined_line(con):
    # the three fixtures share one batch date, so each load replaces the previous one: check each in turn
    for vendor, check in (("salesforce", _salesforce_landed), ("hubspot", None), ("bitrix24", _bitrix24_landed)):
        for batch in ingest.select_batches(FIXTURES / vendor / "batches"):
            result = load(con, batch)
            assert result.rows_quarantined == 0, vendor
            assert result.rows_read == result.rows_loaded
        if check:
            check(con)


def _salesforce_landed(con) -> None:
    """Lead.csv (byte-order mark, CRLF line ends) and User.csv (upper-case headers, older Data Loader) land."""
    assert con.execute("select count(*), count(distinct firstname) from raw.salesforce__lead").fetchone() == (9, 9)
    assert con.execute("select department from raw.salesforce__user order by id").fetchall() == [
        ("Inside Sales",),
        ("Call Centre Partner",),
        ("Field Sales",),
    ]


def _bitrix24_landed(con) -> None:
    """Cyrillic text arrives intact, and Bitrix24's +03:00 times as UTC."""
    assert con.execute("select name, date_create from raw.bitrix24__crm_lead where id = '1201'").fetchone() == (
        "Сергей",
        datetime(2026, 3, 1, 7, 0),
    )


def test_bitrix24_web_interface_export_is_refused_naming_the_file_and_what_to_export(con):
    batch = FIXTURES / "bitrix24" / "ui_export" / "2026-03-16"

    with pytest.raises(ingest.ContractError) as refused:
        ingest.check_extracts(batch.parent)
    message = str(refused.value)

    assert message.startswith("2026-03-16/bitrix24/crm_lead.csv: missing column(s) status_id, source_id")
    # the windows-1251 header was decoded, so the message can show what the file holds
    assert '"Стадия", "Источник"' in message
    assert "web interface's Export to CSV" in message
    with pytest.raises(ingest.ContractError):
        load(con, batch)
    assert con.execute("select count(*) from raw.bitrix24__crm_lead").fetchone() == (0,)
    assert con.execute("select count(*) from raw._batches").fetchone() == (0,)
