"""Every mart's content on the demo build equals the stored checksums (tests/mart_checksums.py says how to
re-record them for an intended change)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import mart_checksums
import pytest


@pytest.mark.prefect
@pytest.mark.dbt
def test_every_mart_of_the_demo_build_matches_its_stored_checksum(demo_run, request):
    _, report, _, _ = demo_run
    actual = mart_checksums.mart_checksums(Path(report.published_db))
    if request.config.getoption("record_mart_checksums"):
        mart_checksums.record(actual)
        pytest.skip(f"recorded {len(actual)} marts in {mart_checksums.STORED}: say in the commit why they changed")
    lines = mart_checksums.differences(mart_checksums.stored(), actual)
    assert not lines, (
        "marts differ from the stored checksums:\n  "
        + "\n  ".join(lines)
        + "\nIf intended: pytest tests/test_mart_checksums.py --record-mart-checksums, and say why in the commit."
    )


@pytest.fixture
def two_tables(tmp_path):
    """A database with a mart schema holding `t` and a copy `u` to change; returns a checksum function."""
    db = tmp_path / "marts.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema m")
        con.execute(
            "create table m.t as select id, name, cast(share as double) as share, day from (values "
            "(1, 'a', cast(0.1 as double) + cast(0.2 as double), date '2026-01-01'), (2, null, 1.5, null), "
            "(3, '', cast('-0.0' as double), date '2026-01-03')) as v(id, name, share, day)"
        )
        con.execute("create table m.u as select * from m.t")

    def checksum(sql: str | None = None) -> dict:
        if sql:
            with duckdb.connect(str(db)) as con:
                con.execute(sql)
        sums = mart_checksums.mart_checksums(db, ("m",))
        return sums["m.u"]

    checksum.original = mart_checksums.mart_checksums(db, ("m",))["m.t"]  # type: ignore[attr-defined]
    return checksum


def test_a_checksum_ignores_row_order_and_the_last_bits_of_a_double(two_tables):
    reordered = two_tables("create or replace table m.u as select * from m.t order by id desc")
    assert reordered == two_tables.original
    # 0.1 + 0.2 summed in another order is 0.3 exactly; -0.0 is 0.0
    noise = two_tables("update m.u set share = 0.3 where id = 1; update m.u set share = 0.0 where id = 3")
    assert noise == two_tables.original


@pytest.mark.parametrize(
    "change",
    [
        "insert into m.u select * from m.t where id = 1",  # a duplicate row
        "delete from m.u where id = 2",
        "update m.u set name = '' where id = 2",  # null is not the empty string
        "update m.u set share = 0.300001 where id = 1",  # a change in the 6th decimal
        "update m.u set day = date '2026-01-02' where id = 1",
        "update m.u set id = 4 where id = 3",
    ],
)
def test_a_checksum_changes_with_any_row_or_value(two_tables, change):
    assert two_tables(change)["checksum"] != two_tables.original["checksum"]


def test_the_columns_naming_the_run_are_not_content(two_tables):
    with_run = two_tables("alter table m.u add column run_id varchar default 'run-1'")
    assert two_tables("update m.u set run_id = 'run-2'")["checksum"] == with_run["checksum"]
    assert with_run["columns"].endswith("run_id varchar")


def test_a_change_of_columns_or_rows_is_named(two_tables):
    stored = {"m.t": two_tables.original, "m.gone": two_tables.original}
    actual = {"m.t": two_tables("alter table m.u add column extra integer"), "m.new": two_tables.original}
    assert mart_checksums.differences(stored, actual) == [
        "m.gone: stored, but not built any more",
        "m.new: a new mart (3 rows), no stored checksum",
        "m.t: columns changed from [id integer, name varchar, share double, day date] "
        "to [id integer, name varchar, share double, day date, extra integer]",
    ]
