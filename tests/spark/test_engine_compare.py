"""The table-by-table comparison itself: what it lets through and what it catches, on hand-made tables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb

from funnel.engine_compare import compare_marts, compare_rows, report, spark_table_dir


def test_float_noise_within_1e_9_passes_but_a_real_difference_does_not() -> None:
    columns = ["rate"]
    assert compare_rows(columns, [(0.1 + 0.2,)], [(0.3,)]) == []  # 5.5e-17 apart
    assert compare_rows(columns, [(1234.5,)], [(1234.5 + 1e-7,)]) == []  # relative to the value
    problems = compare_rows(columns, [(0.25,)], [(0.2500001,)])
    assert problems and "rate (1 rows)" in problems[0]


def test_money_must_agree_to_the_cent() -> None:
    columns = ["amount"]
    assert compare_rows(columns, [(Decimal("10.00"),)], [(Decimal("10.00"),)]) == []
    problems = compare_rows(columns, [(Decimal("10.00"),)], [(Decimal("10.01"),)])
    assert problems and "duckdb Decimal('10.00'), spark Decimal('10.01')" in problems[0]


def test_nulls_counts_and_other_values_are_exact() -> None:
    columns = ["id", "flag"]
    assert compare_rows(columns, [("a", None)], [("a", False)])  # null is not false
    assert compare_rows(columns, [("a", True)], [("a", True), ("b", True)]) == ["row count: duckdb 1, spark 2"]


def _write_spark_table(tables: Path, schema: str, table: str, sql: str) -> None:
    folder = spark_table_dir(tables, schema, table)
    folder.mkdir(parents=True)
    duckdb.sql(f"copy ({sql}) to '{folder / 'part-00000.snappy.parquet'}' (format parquet)")


def test_compare_marts_reads_both_builds_and_names_the_differing_mart(tmp_path: Path) -> None:
    built = tmp_path / "funnel.duckdb"
    con = duckdb.connect(str(built))
    con.execute("create schema attraction")
    con.execute("create schema staging")  # not a mart schema: never compared
    con.execute(
        "create table attraction.good as select * from (values ('a', 1.5::double, 2.10::decimal(18, 2), "
        "timestamp '2026-10-01 08:00:00'), ('b', 0.25, 3.00, null)) as t(k, rate, amount, seen_at)"
    )
    con.execute("create table attraction.bad as select * from (values ('a', 1), ('b', 2)) as t(k, n)")
    con.execute("create table staging.ignored as select 1 as x")
    con.close()
    tables = tmp_path / "tables"
    # Spark's side: other row order, the timestamp as a UTC instant, one value off in `bad`.
    _write_spark_table(
        tables,
        "attraction",
        "good",
        "select * from (values ('b', 0.25::double, 3.00::decimal(18, 2), null::timestamptz), "
        "('a', 1.5, 2.10, timestamptz '2026-10-01 08:00:00+00')) as t(k, rate, amount, seen_at)",
    )
    _write_spark_table(tables, "attraction", "bad", "select * from (values ('a', 1), ('b', 3)) as t(k, n)")

    results = {result.name: result for result in compare_marts(built, tables)}

    assert set(results) == {"attraction.bad", "attraction.good"}
    assert results["attraction.good"].matches, results["attraction.good"].problems
    assert not results["attraction.bad"].matches
    assert "n (1 rows)" in results["attraction.bad"].problems[0]
    assert report(list(results.values())).endswith("1 of 2 marts match")


def test_a_mart_missing_on_spark_is_a_difference_and_other_schemas_are_left_out(tmp_path: Path) -> None:
    built = tmp_path / "funnel.duckdb"
    con = duckdb.connect(str(built))
    con.execute("create schema retention")
    con.execute("create table retention.cohorts as select 1 as x")
    con.close()
    (result,) = compare_marts(built, tmp_path / "tables")
    assert result.problems == [f"no Spark table files in {tmp_path / 'tables' / 'retention.db' / 'cohorts'}"]
    assert compare_marts(built, tmp_path / "tables", ("conversion",)) == []
