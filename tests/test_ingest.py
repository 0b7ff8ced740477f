"""The loader on hand-written batches: every kind of bad input, idempotence, re-delivery, atomicity."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from funnel import ingest, warehouse

USERS_HEADER = "user_id,full_name,team,is_outsourced,is_active,updated_at\n"
TRAFFIC_HEADER = "store_id,traffic_date,hour,visitors\n"
RECEIPTS_HEADER = (
    "receipt_id,store_id,customer_id,occurred_at,total_amount,currency,payment_method,is_return,original_receipt_id\n"
)


def load(con, batch, force: bool = False) -> ingest.BatchResult:
    return ingest.load_batch(con, batch, timezone="Europe/Budapest", force=force)


def snapshot(con) -> dict[str, list[tuple]]:
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
        ).fetchall()
    ]
    return {t: con.execute(f"select * from raw.{t} order by all").fetchall() for t in tables}


def test_every_kind_of_malformed_row_is_quarantined_with_line_column_and_reason(con, batch_writer):
    users = USERS_HEADER + (
        "U1,Kovács Anna,inside_sales,false,true,2026-01-01 10:00:00\n"  # line 2: good
        'U2,"Иванов, Сергей",callcenter_partner,true,true,2026-01-01 10:00:00\n'  # 3: good, quoted comma
        "U3,Bad Bool,inside_sales,maybe,true,2026-01-01 10:00:00\n"  # 4: bad boolean
        "U4,Bad Date,inside_sales,false,true,2026-13-01 10:00:00\n"  # 5: bad timestamp
        ",No Key,inside_sales,false,true,2026-01-01 10:00:00\n"  # 6: missing key
        "U1,Dup,inside_sales,false,true,2026-01-02 10:00:00\n"  # 7: duplicate of line 2
        "U5,Too,many,false,true,2026-01-01 10:00:00,extra\n"  # 8: one column too many
        "U6,Too few,inside_sales,false,true\n"  # 9: one column too few
    )
    traffic = (TRAFFIC_HEADER + "S1,2026-01-05,9,12\nS1,2026-01-05,10,1x\nS1,2026-01-05,11,").encode() + (
        b"\xff\n" + b"S1,31/12/2026,12,4\n"
    )
    batch = batch_writer("2026-01-07", {"crm/users.csv": users, "pos/store_traffic.csv": traffic})

    result = load(con, batch)

    quarantined = con.execute(
        "select source_file, line_number, column_name, error_type from raw._quarantine order by 1, 2"
    ).fetchall()
    assert quarantined == [
        ("2026-01-07/crm/users.csv", 4, "is_outsourced", "bad_boolean"),
        ("2026-01-07/crm/users.csv", 5, "updated_at", "bad_date"),
        ("2026-01-07/crm/users.csv", 6, "user_id", "missing_required"),
        ("2026-01-07/crm/users.csv", 7, "user_id", "duplicate_key"),
        ("2026-01-07/crm/users.csv", 8, None, "column_count"),
        ("2026-01-07/crm/users.csv", 9, None, "column_count"),
        ("2026-01-07/pos/store_traffic.csv", 3, "visitors", "bad_number"),
        ("2026-01-07/pos/store_traffic.csv", 4, "visitors", "bad_encoding"),
        ("2026-01-07/pos/store_traffic.csv", 5, "traffic_date", "bad_date"),
    ]
    reasons = dict(
        con.execute("select line_number, reason from raw._quarantine where source_file like '%users%'").fetchall()
    )
    assert reasons[5] == (
        "column updated_at: expected an ISO-8601 timestamp (YYYY-MM-DD HH:MM:SS, optional UTC offset), "
        "got '2026-13-01 10:00:00'"
    )
    assert reasons[7] == "duplicate key (user_id) first seen at line 2"
    assert reasons[8] == "expected 6 columns as in the header, found 7"
    raw_line = con.execute("select raw_line from raw._quarantine where line_number = 8").fetchone()[0]
    assert raw_line == "U5,Too,many,false,true,2026-01-01 10:00:00,extra"

    users_loaded = con.execute(
        "select user_id, full_name, is_outsourced, _source_file, _source_line from raw.crm__users order by 1"
    ).fetchall()
    assert users_loaded == [
        ("U1", "Kovács Anna", False, "2026-01-07/crm/users.csv", 2),
        ("U2", "Иванов, Сергей", True, "2026-01-07/crm/users.csv", 3),
    ]
    log = con.execute(
        "select entity, rows_read, rows_loaded, rows_quarantined, is_reconciled from raw._load_log order by 1"
    ).fetchall()
    assert log == [("store_traffic", 4, 1, 3, True), ("users", 8, 2, 6, True)]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (12, 3, 9)


def test_naive_timestamps_are_in_the_warehouse_zone_and_stored_as_utc(con, batch_writer):
    users = USERS_HEADER + (
        "W,winter,t,false,true,2026-01-15 10:00:00\n"  # CET, UTC+1
        "S,summer,t,false,true,2026-07-15 10:00:00\n"  # CEST, UTC+2
        "Z,utc,t,false,true,2026-01-15T10:00:00Z\n"
        "O,offset,t,false,true,2026-01-15 10:00:00+03:00\n"
        "D,date only,t,false,true,2026-01-15\n"
    )
    load(con, batch_writer("2026-01-20", {"crm/users.csv": users}))
    stored = dict(con.execute("select user_id, updated_at from raw.crm__users").fetchall())
    assert stored == {
        "W": datetime(2026, 1, 15, 9, 0),
        "S": datetime(2026, 7, 15, 8, 0),
        "Z": datetime(2026, 1, 15, 10, 0),
        "O": datetime(2026, 1, 15, 7, 0),
        "D": datetime(2026, 1, 14, 23, 0),
    }


def test_loading_the_same_batch_again_leaves_the_warehouse_exactly_as_it_was(con, batch_writer):
    batch = batch_writer(
        "2026-01-07",
        {"crm/users.csv": USERS_HEADER + "U1,A,t,false,true,2026-01-01 10:00:00\nU2,B,t,x,true,2026-01-01\n"},
    )
    first = load(con, batch)
    before = snapshot(con)

    second = load(con, batch)

    assert (first.status, second.status) == ("loaded", "unchanged")
    assert snapshot(con) == before


def test_forced_reload_replaces_rows_without_duplicating_them(con, batch_writer):
    batch = batch_writer("2026-01-07", {"crm/users.csv": USERS_HEADER + "U1,A,t,false,true,2026-01-01\n"})
    load(con, batch)
    result = load(con, batch, force=True)
    assert result.status == "replaced"
    assert con.execute("select count(*) from raw.crm__users").fetchone()[0] == 1
    assert con.execute("select count(*) from raw._load_log").fetchone()[0] == 1


def test_a_redelivered_batch_replaces_the_earlier_delivery_of_that_batch_only(con, batch_writer):
    first_week = batch_writer(
        "2026-01-07",
        {
            "pos/receipts.csv": RECEIPTS_HEADER
            + (
                "R1,S1,,2026-01-05 10:00:00,100.00,HUF,cash,false,\n"
                "R2,S1,C1,2026-01-05 11:00:00,250.50,HUF,card,false,\n"
                "R3,S1,C1,2026-01-06 11:00:00,-250.50,HUF,card,true,R2\n"
            )
        },
    )
    second_week = batch_writer(
        "2026-01-14",
        {"pos/receipts.csv": RECEIPTS_HEADER + ("R4,S2,,2026-01-12 10:00:00,80.00,HUF,cash,false,\n")},
    )
    load(con, first_week)
    load(con, second_week)

    # The source system re-sends the first week: R1 corrected, R3 withdrawn.
    batch_writer(
        "2026-01-07",
        {
            "pos/receipts.csv": RECEIPTS_HEADER
            + (
                "R1,S1,,2026-01-05 10:00:00,110.00,HUF,cash,false,\n"
                "R2,S1,C1,2026-01-05 11:00:00,250.50,HUF,card,false,\n"
            )
        },
    )
    result = load(con, first_week)

    assert result.status == "replaced"
    assert con.execute("select receipt_id, total_amount, _batch_id from raw.pos__receipts order by 1").fetchall() == [
        ("R1", Decimal("110.00"), "2026-01-07"),
        ("R2", Decimal("250.50"), "2026-01-07"),
        ("R4", Decimal("80.00"), "2026-01-14"),
    ]
    assert con.execute("select batch_id, rows_read from raw._load_log order by 1").fetchall() == [
        ("2026-01-07", 2),
        ("2026-01-14", 1),
    ]


def test_a_file_missing_a_contract_column_stops_the_batch_and_loads_nothing(con, batch_writer):
    batch = batch_writer(
        "2026-01-07",
        {
            "crm/users.csv": USERS_HEADER + "U1,A,t,false,true,2026-01-01\n",
            "pos/store_traffic.csv": "store_id,traffic_date,visitors\nS1,2026-01-05,12\n",
        },
    )
    with pytest.raises(ingest.ContractError) as error:
        load(con, batch)
    message = str(error.value)
    assert message.startswith("2026-01-07/pos/store_traffic.csv: missing column(s) hour in the header")
    assert "expected the columns store_id, traffic_date, hour, visitors" in message
    # users.csv was loaded first inside the same transaction: it must be rolled back too.
    assert all(not rows for rows in snapshot(con).values())


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"crm/deals.csv": "a\n1\n"}, "2026-01-07/crm/deals.csv: not in the extract contract"),
        ({"erp/users.csv": "a\n1\n"}, "2026-01-07/erp: not a source system of the contract"),
        ({"crm/users.xlsx": "a\n1\n"}, "2026-01-07/crm/users.xlsx: not in the extract contract"),
        ({"crm/users.csv": ""}, "2026-01-07/crm/users.csv: empty file; expected a header row"),
    ],
)
def test_files_outside_the_contract_are_refused_with_the_file_named(con, batch_writer, files, expected):
    batch = batch_writer("2026-01-07", files)
    with pytest.raises(ingest.ContractError, match="^" + expected.replace(".", r"\.")):
        load(con, batch)


def test_a_folder_that_is_not_a_dated_batch_is_refused(batch_writer):
    batch_writer("2026-01-07", {"crm/users.csv": USERS_HEADER})
    (batch_writer.root / "latest").mkdir()
    with pytest.raises(ingest.ContractError, match="latest: not a batch folder; expected folders named by extract"):
        ingest.discover_batches(batch_writer.root)
    (batch_writer.root / "latest").rmdir()
    (batch_writer.root / "2026-02-30").mkdir()
    with pytest.raises(ingest.ContractError, match="'2026-02-30' is not a valid calendar date"):
        ingest.discover_batches(batch_writer.root)


def test_manifest_counts_are_verified(con, batch_writer):
    rows = USERS_HEADER + "U1,A,t,false,true,2026-01-01\nU2,B,t,bad,true,2026-01-01\n"
    good = batch_writer("2026-01-07", {"crm/users.csv": rows}, {"files": [{"path": "crm/users.csv", "rows": 2}]})
    load(con, good)
    assert con.execute(
        "select rows_read, rows_loaded, rows_quarantined, manifest_rows, is_reconciled from raw._load_log"
    ).fetchall() == [(2, 1, 1, 2, True)]

    short = batch_writer("2026-01-14", {"crm/users.csv": rows}, {"files": [{"path": "crm/users.csv", "rows": 3}]})
    with pytest.raises(ingest.ContractError, match="crm/users.csv: the manifest lists 3 rows but the file holds 2"):
        load(con, short)
    assert con.execute("select count(*) from raw.crm__users where _batch_id = '2026-01-14'").fetchone()[0] == 0

    phantom = batch_writer("2026-01-21", {"crm/users.csv": rows}, {"files": [{"path": "crm/leads.csv", "rows": 3}]})
    with pytest.raises(ingest.ContractError, match="lists crm/leads.csv, which the batch does not contain"):
        load(con, phantom)


def test_header_order_and_extra_columns_are_tolerated_and_noted(con, batch_writer):
    text = "updated_at,user_id,note,team,full_name,is_active,is_outsourced\n2026-01-01,U1,hi,t,A,true,false\n"
    load(con, batch_writer("2026-01-07", {"crm/users.csv": text}))
    assert con.execute("select user_id, team, full_name, is_active from raw.crm__users").fetchall() == [
        ("U1", "t", "A", True)
    ]
    assert con.execute("select notes from raw._load_log").fetchone()[0] == (
        "ignored column(s) not in the contract: note"
    )


def test_line_numbers_count_physical_lines_across_quoted_newlines(con, batch_writer):
    text = (
        USERS_HEADER
        + 'U1,"two\nlines",t,false,true,2026-01-01\n'
        + "U2,B,t,false,true,2026-01-01\n\nU3,C,t,x,true,2026-01-01\n"
    )
    load(con, batch_writer("2026-01-07", {"crm/users.csv": text}))
    assert con.execute("select user_id, _source_line from raw.crm__users order by 1").fetchall() == [
        ("U1", 2),
        ("U2", 4),
    ]
    assert con.execute("select line_number from raw._quarantine").fetchall() == [(6,)]


def test_parquet_files_load_like_csv(con, batch_writer, tmp_path):
    batch = batch_writer("2026-01-07", {})
    (batch / "pos").mkdir(parents=True)
    con.execute(
        "copy (select * from (values ('S1', date '2026-01-05', 9, 12), ('S1', date '2026-01-05', 10, 7), "
        "('S1', date '2026-01-05', 9, 3), (null, date '2026-01-05', 11, 1)) "
        "as t(store_id, traffic_date, hour, visitors)) "
        f"to '{batch / 'pos' / 'store_traffic.parquet'}' (format parquet)"
    )
    result = load(con, batch)
    assert con.execute(
        "select store_id, hour, visitors, _source_line from raw.pos__store_traffic order by 4"
    ).fetchall() == [
        ("S1", 9, 12, 1),
        ("S1", 10, 7, 2),
    ]
    assert con.execute("select line_number, error_type from raw._quarantine order by 1").fetchall() == [
        (3, "duplicate_key"),
        (4, "missing_required"),
    ]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)


def test_batch_selection_by_id_and_range(batch_writer):
    for batch_id in ("2026-01-07", "2026-01-14", "2026-01-21"):
        batch_writer(batch_id, {"crm/users.csv": USERS_HEADER})
    root = batch_writer.root
    names = lambda paths: [p.name for p in paths]  # noqa: E731
    assert names(ingest.select_batches(root)) == ["2026-01-07", "2026-01-14", "2026-01-21"]
    assert names(ingest.select_batches(root, ["2026-01-14"])) == ["2026-01-14"]
    assert names(ingest.select_batches(root, ["2026-01-10..2026-01-21"])) == ["2026-01-14", "2026-01-21"]
    assert names(ingest.select_batches(root, ["..2026-01-14"])) == ["2026-01-07", "2026-01-14"]
    with pytest.raises(ingest.BatchSelectionError, match="no such batch"):
        ingest.select_batches(root, ["2026-03-01"])


def test_a_quarantined_line_is_kept_as_csv_whatever_stage_rejected_it(con, batch_writer):
    text = USERS_HEADER + (
        'U1,"Nagy, ""Béla""",t,maybe,true,2026-01-01\n'  # rejected after landing: bad boolean
        'U2,"Kis, Anna",t,false,true,2026-01-01,extra\n'  # rejected while reading: column count
    )
    load(con, batch_writer("2026-01-07", {"crm/users.csv": text}))
    assert con.execute("select line_number, raw_line from raw._quarantine order by 1").fetchall() == [
        (2, 'U1,"Nagy, ""Béla""",t,maybe,true,2026-01-01'),
        (3, 'U2,"Kis, Anna",t,false,true,2026-01-01,extra'),
    ]


def test_a_warehouse_made_under_an_older_contract_gets_its_new_columns_and_keeps_loading(con, batch_writer):
    # the fx table as an older contract made it: no quote_currency
    con.execute("drop table raw.marketing__fx_rates")
    con.execute(
        "create table raw.marketing__fx_rates (rate_date date, currency varchar, rate_to_reporting decimal(18,6), "
        "_batch_id varchar not null, _source_file varchar not null, _source_line bigint not null, "
        "_loaded_at timestamp not null)"
    )
    con.execute("insert into raw.marketing__fx_rates values ('2026-01-01', 'EUR', 400, 'old', 'old.csv', 2, now())")
    warehouse.ensure_raw_schema(con)
    text = "rate_date,currency,rate_to_reporting,quote_currency\n2026-01-05,USD,360.5,HUF\n"
    load(con, batch_writer("2026-01-07", {"marketing/fx_rates.csv": text}))
    assert con.execute(
        "select currency, rate_to_reporting, quote_currency, _source_line from raw.marketing__fx_rates order by 1"
    ).fetchall() == [("EUR", Decimal("400.000000"), None, 2), ("USD", Decimal("360.500000"), "HUF", 2)]


def test_an_optional_column_may_be_absent_and_loads_empty(con, batch_writer):
    load(
        con,
        batch_writer(
            "2026-01-07", {"marketing/fx_rates.csv": "rate_date,currency,rate_to_reporting\n2026-01-05,USD,1\n"}
        ),
    )
    assert con.execute("select quote_currency from raw.marketing__fx_rates").fetchall() == [(None,)]
    assert (
        "absent optional column(s), loaded as empty: quote_currency"
        in con.execute("select notes from raw._load_log").fetchone()[0]
    )
