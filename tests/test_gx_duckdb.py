"""The GX-on-DuckDB fix: without it expectations error, with it they compute the right results."""

from __future__ import annotations

import duckdb
import pytest

from funnel import gx_duckdb

gx = pytest.importorskip("great_expectations")


def _validate(db_path):
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_sql(name="wh", connection_string=f"duckdb:///{db_path}")
    asset = source.add_query_asset(name="amounts", query="select * from marts.amounts")
    batch = asset.add_batch_definition_whole_table("all")
    suite = context.suites.add(gx.ExpectationSuite(name="amounts"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="id"))
    # values 0, 1.5, ..., 13.5: exactly 10.5, 12 and 13.5 lie above 10
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(column="amount", min_value=0, max_value=10))
    suite.add_expectation(gx.expectations.ExpectTableRowCountToEqual(value=10))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name="v", data=batch, suite=suite))
    return definition.run()


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "t.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create schema marts; "
            "create table marts.amounts as select range as id, range * 1.5 as amount from range(10)"
        )
    return path


def _raised(result) -> bool:
    return any(
        isinstance(info, dict) and info.get("raised_exception") for info in (result.exception_info or {}).values()
    ) or bool((result.exception_info or {}).get("raised_exception"))


def test_without_the_fix_every_expectation_errors(db_path):
    gx_duckdb.uninstall()
    try:
        results = _validate(db_path).results
    finally:
        gx_duckdb.install()
    assert all(_raised(r) for r in results), "upstream may have fixed GX on DuckDB: funnel/gx_duckdb.py can go"


def test_with_the_fix_expectations_compute_real_results(db_path):
    gx_duckdb.install()
    results = {r.expectation_config.type: r for r in _validate(db_path).results}
    assert not any(_raised(r) for r in results.values())
    assert results["expect_column_values_to_not_be_null"].success is True
    between = results["expect_column_values_to_be_between"]
    assert between.success is False
    assert between.result["unexpected_count"] == 3
    assert results["expect_table_row_count_to_equal"].result["observed_value"] == 10
