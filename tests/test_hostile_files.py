"""The native loader on hostile files: a bad line costs that line, and no other line is lost.

Every file here is written by hand, and every expected line number is counted by hand from the
text (header = line 1). The loader must read each file with DuckDB's reader and still account
for every data line: loaded + quarantined = data lines, per file.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from funnel import ingest

RECEIPTS_HEADER = (
    "receipt_id,store_id,customer_id,occurred_at,total_amount,currency,payment_method,is_return,original_receipt_id"
)


def receipt(n: int, amount: str = "100.00", when: str = "2026-01-05 10:00:00") -> str:
    return f"R{n},S1,,{when},{amount},HUF,card,false,"


def load(con, batch):
    return ingest.load_batch(con, batch, timezone="Europe/Budapest")


def quarantine(con) -> list[tuple]:
    return con.execute(
        "select source_file, line_number, column_name, error_type from raw._quarantine order by 1, 2"
    ).fetchall()


def loaded_lines(con, table: str) -> list[int]:
    return [r[0] for r in con.execute(f"select _source_line from raw.{table} order by 1").fetchall()]


def accounted(con) -> list[tuple]:
    return con.execute(
        "select source_file, rows_read, rows_loaded + rows_quarantined, is_reconciled from raw._load_log order by 1"
    ).fetchall()


def test_one_unbalanced_quote_costs_one_line_not_the_twenty_after_it(con, batch_writer):
    good = [receipt(n) for n in range(1, 23)]
    lines = [RECEIPTS_HEADER, good[0], 'R99,S1,,2026-01-05 10:00:00,"100.00,HUF,card,false,', *good[1:]]
    batch = batch_writer("2026-01-07", {"pos/receipts.csv": "\n".join(lines) + "\n"})

    result = load(con, batch)

    assert quarantine(con) == [("2026-01-07/pos/receipts.csv", 3, "total_amount", "unbalanced_quote")]
    assert loaded_lines(con, "pos__receipts") == [2, *range(4, 25)]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (23, 22, 1)
    raw = con.execute("select raw_line from raw._quarantine").fetchone()[0]
    assert raw == 'R99,S1,,2026-01-05 10:00:00,"100.00,HUF,card,false,'


def test_a_hostile_batch_loses_no_line(con, batch_writer):
    # receipts: BOM, mixed CRLF and LF, a blank line, too many and too few fields, impossible and
    # unparsable dates, amounts that are not numbers, a missing and a duplicate key, a NUL byte,
    # bytes that are not UTF-8, a quoted value over two lines, a quote inside a value.
    receipts = (
        b"\xef\xbb\xbf"
        + RECEIPTS_HEADER.encode()
        + b"\r\n"  # 1
        + receipt(1).encode()
        + b"\r\n"  # 2 good
        + receipt(2, when="2026-02-30 10:00:00").encode()
        + b"\n"  # 3 impossible date
        + receipt(3, amount="12,50").encode()
        + b"\n"  # 4 amount with a comma: one field too many
        + receipt(4, amount="abc").encode()
        + b"\r\n"  # 5 not a number
        + b"\n"  # 6 blank: not a record
        + receipt(5).encode()[:-6]
        + b"\n"  # 7 too few fields
        + b",S1,,2026-01-05 10:00:00,1.00,HUF,card,false,\n"  # 8 missing key
        + receipt(1).encode()
        + b"\n"  # 9 duplicate of line 2
        + b"R6,S\x001,,2026-01-05 10:00:00,1.00,HUF,card,false,\n"  # 10 NUL byte
        + b"R7,S1,,2026-01-05 10:00:00,1.00,HUF,c\xe1rd,false,\n"  # 11 not UTF-8
        + b'R8,"S\n1",,2026-01-05 10:00:00,1.00,HUF,card,false,\n'  # 12-13 one record over two lines
        + b'R9,S1,,2026-01-05 10:00:00,1.00,HUF,5" card,false,\n'  # 14 a quote inside a value
        + receipt(10, when="yesterday").encode()  # 15 no final newline, unparsable date
    )
    traffic_cp1251 = "store_id,traffic_date,hour,visitors\nМагазин-1,2026-01-05,9,12\nМагазин-1,2026-01-05,10,7\n"
    header_only = "store_id,store_name,city,store_format,opened_on,updated_at\n"
    batch = batch_writer(
        "2026-01-07",
        {
            "pos/receipts.csv": receipts,
            "pos/store_traffic.csv": traffic_cp1251.encode("cp1251"),
            "pos/stores.csv": header_only,
        },
        manifest={"files": [{"path": "pos/store_traffic.csv", "rows": 2, "encoding": "cp1251"}]},
    )

    result = load(con, batch)

    file = "2026-01-07/pos/receipts.csv"
    assert quarantine(con) == [
        (file, 3, "occurred_at", "bad_date"),
        (file, 4, None, "column_count"),
        (file, 5, "total_amount", "bad_number"),
        (file, 7, None, "column_count"),
        (file, 8, "receipt_id", "missing_required"),
        (file, 9, "receipt_id", "duplicate_key"),
        (file, 10, "store_id", "nul_byte"),
        (file, 11, "payment_method", "bad_encoding"),
        (file, 15, "occurred_at", "bad_date"),
    ]
    assert con.execute(
        "select receipt_id, store_id, payment_method, _source_line from raw.pos__receipts order by 4"
    ).fetchall() == [
        ("R1", "S1", "card", 2),
        ("R8", "S\n1", "card", 12),
        ("R9", "S1", '5" card', 14),
    ]
    assert accounted(con) == [
        ("2026-01-07/pos/receipts.csv", 12, 12, True),
        ("2026-01-07/pos/store_traffic.csv", 2, 2, True),
        ("2026-01-07/pos/stores.csv", 0, 0, True),
    ]
    assert con.execute("select store_id, visitors from raw.pos__store_traffic order by 2").fetchall() == [
        ("Магазин-1", 7),
        ("Магазин-1", 12),
    ]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (14, 5, 9)
    reasons = dict(con.execute("select line_number, reason from raw._quarantine").fetchall())
    assert reasons[3] == (
        "column occurred_at: expected an ISO-8601 timestamp (YYYY-MM-DD HH:MM:SS, optional UTC offset), "
        "got '2026-02-30 10:00:00'"
    )
    assert reasons[4] == "expected 9 columns as in the header, found 10"
    assert reasons[9] == "duplicate key (receipt_id) first seen at line 2"
    notes = dict(con.execute("select source_file, notes from raw._load_log").fetchall())
    assert notes["2026-01-07/pos/store_traffic.csv"] == "read as cp1251 (declared in the manifest)"


def test_utf16_with_a_byte_order_mark_is_read_without_being_declared(con, batch_writer):
    text = "store_id,traffic_date,hour,visitors\r\nBolt-é,2026-01-05,9,12\r\nBolt-é,2026-01-05,10,x\r\n"
    batch = batch_writer("2026-01-07", {"pos/store_traffic.csv": text.encode("utf-16")})
    load(con, batch)
    assert con.execute("select store_id, hour, _source_line from raw.pos__store_traffic").fetchall() == [
        ("Bolt-é", 9, 2)
    ]
    assert quarantine(con) == [("2026-01-07/pos/store_traffic.csv", 3, "visitors", "bad_number")]
    assert con.execute("select notes from raw._load_log").fetchone()[0] == "read as UTF-16 (byte-order mark)"


def test_a_latin1_file_declared_in_the_manifest_is_read_correctly(con, batch_writer):
    text = "store_id,store_name,city,store_format,opened_on,updated_at\nS1,Café Köln,Győr,mall,2020-01-01,2026-01-01\n"
    batch = batch_writer(
        "2026-01-07",
        {"pos/stores.csv": text.replace("ő", "o").encode("latin-1")},
        manifest={"files": [{"path": "pos/stores.csv", "encoding": "latin-1"}]},
    )
    load(con, batch)
    assert con.execute("select store_name, city from raw.pos__stores").fetchall() == [("Café Köln", "Gyor")]


def test_a_mostly_undecodable_file_is_refused_and_its_likely_encoding_named(con, batch_writer):
    rows = "".join(f"Магазин-{n},Пушкинская улица {n},Москва,магазин,2020-01-01,2026-01-01\n" for n in range(30))
    text = "store_id,store_name,city,store_format,opened_on,updated_at\n" + rows
    batch = batch_writer("2026-01-07", {"pos/stores.csv": text.encode("cp1251")})
    with pytest.raises(ingest.ContractError) as refused:
        load(con, batch)
    message = str(refused.value)
    assert message.startswith("2026-01-07/pos/stores.csv: 30 of 30 lines cannot be read; the file looks like")
    assert '"encoding": "cp1251"' in message
    assert con.execute("select count(*) from raw._batches").fetchone()[0] == 0


def test_a_semicolon_delimited_file_is_recognised_from_its_header(con, batch_writer):
    text = "store_id;traffic_date;hour;visitors\nS1;2026-01-05;9;12\nS1;2026-01-05;10;7;1\n"
    load(con, batch_writer("2026-01-07", {"pos/store_traffic.csv": text}))
    assert con.execute("select hour, visitors from raw.pos__store_traffic").fetchall() == [(9, 12)]
    assert quarantine(con) == [("2026-01-07/pos/store_traffic.csv", 3, None, "column_count")]
    assert con.execute("select notes from raw._load_log").fetchone()[0] == "delimiter ';'"


def test_an_empty_file_is_refused_with_its_name(con, batch_writer):
    batch = batch_writer("2026-01-07", {"pos/stores.csv": b""})
    with pytest.raises(ingest.ContractError, match="2026-01-07/pos/stores.csv: empty file; expected a header row"):
        load(con, batch)


def test_a_file_is_hashed_once_and_not_again_while_it_is_unchanged(con, batch_writer, monkeypatch):
    batch = batch_writer(
        "2026-01-07", {"pos/store_traffic.csv": "store_id,traffic_date,hour,visitors\nS1,2026-01-05,9,1\n"}
    )
    read = []
    original = ingest._file_sha256
    monkeypatch.setattr(ingest, "_file_sha256", lambda path: read.append(path.name) or original(path))
    ingest._HASHES.clear()

    assert [b.name for b in ingest.pending_batches(con, [batch])] == ["2026-01-07"]
    load(con, batch)
    assert read == ["store_traffic.csv"]  # planned and loaded: hashed once

    ingest._HASHES.clear()  # a new process: the size and time recorded at load stand in for the digest
    assert ingest.pending_batches(con, [batch]) == []
    assert read == ["store_traffic.csv"]

    (batch / "pos" / "store_traffic.csv").write_text(
        "store_id,traffic_date,hour,visitors\nS1,2026-01-05,9,2\n", encoding="utf-8"
    )
    assert [b.name for b in ingest.pending_batches(con, [batch])] == ["2026-01-07"]
    assert read == ["store_traffic.csv", "store_traffic.csv"]
    assert load(con, batch).status == "replaced"
    assert con.execute("select visitors from raw.pos__store_traffic").fetchall() == [(2,)]


def test_line_numbers_stay_exact_across_many_bad_lines_spread_through_a_file(con, batch_writer):
    # bad values every 7th line and an unbalanced quote every 50th: line numbers computed independently
    lines, bad_value, bad_quote = [RECEIPTS_HEADER], set(), set()
    for n in range(1, 2001):
        line_no = n + 1
        if n % 50 == 0:
            lines.append(f'R{n},"S1,,2026-01-05 10:00:00,1.00,HUF,card,false,')
            bad_quote.add(line_no)
        elif n % 7 == 0:
            lines.append(receipt(n, amount="n/a"))
            bad_value.add(line_no)
        else:
            lines.append(receipt(n, amount=f"{n}.00"))
    load(con, batch_writer("2026-01-07", {"pos/receipts.csv": "\n".join(lines) + "\n"}))
    good = {n + 1 for n in range(1, 2001)} - bad_value - bad_quote
    rows = con.execute("select receipt_id, total_amount, _source_line from raw.pos__receipts").fetchall()
    assert {line for _, _, line in rows} == good
    assert all(
        receipt_id == f"R{line - 1}" and amount == Decimal(f"{line - 1}.00") for receipt_id, amount, line in rows
    )
    kinds = dict(con.execute("select line_number, error_type from raw._quarantine").fetchall())
    assert kinds == {**{n: "bad_number" for n in bad_value}, **{n: "unbalanced_quote" for n in bad_quote}}


def test_the_manifest_declares_encoding_and_delimiter_and_rejects_nonsense(con, batch_writer):
    batch = batch_writer(
        "2026-01-07",
        {"pos/store_traffic.csv": "store_id,traffic_date,hour,visitors\n"},
        manifest={"files": [{"path": "pos/store_traffic.csv", "delimiter": "::"}]},
    )
    with pytest.raises(ingest.ContractError, match="delimiter '::' of pos/store_traffic.csv: expected one character"):
        load(con, batch)
    (batch / "_manifest.json").write_text(
        json.dumps({"files": [{"path": "pos/store_traffic.csv", "encoding": "klingon"}]}), encoding="utf-8"
    )
    with pytest.raises(ingest.ContractError, match="unknown encoding 'klingon' declared in the manifest"):
        load(con, batch)
