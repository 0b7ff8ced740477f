"""Compare the marts of a DuckDB build with those of a Spark build, table by table.

The Spark side is read from the Parquet files of Spark's managed tables (`<spark tables>/<schema>.db/<table>/`),
so no second Spark session is needed and the embedded metastore stays free. Both sides are loaded into one
in-memory DuckDB, sorted by every column, and compared row by row: counts and every non-float value exactly,
decimals (money) to the cent, doubles (rates, hours) to 1e-9 relative to max(1, |value|).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from funnel.publish import MART_SCHEMAS

FLOAT_TOLERANCE = 1e-9
MAX_EXAMPLES = 3


@dataclass
class MartComparison:
    schema: str
    table: str
    duckdb_rows: int
    spark_rows: int | None
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def matches(self) -> bool:
        return not self.problems


def duckdb_marts(con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...] = MART_SCHEMAS) -> list:
    """(schema, table) of every table or view in the given schemas of an attached DuckDB database."""
    placeholders = ", ".join("?" for _ in schemas)
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_catalog = ? and table_schema in ({placeholders}) and table_type in ('BASE TABLE', 'VIEW') "
        "order by 1, 2",
        [catalog, *schemas],
    ).fetchall()


def spark_table_dir(spark_tables: Path, schema: str, table: str) -> Path:
    """Where Spark keeps a managed table of database `schema` (spark.sql.warehouse.dir layout)."""
    return spark_tables / f"{schema}.db" / table


def spark_table_files(folder: Path) -> list[Path]:
    """The data files of a Spark table folder (Spark skips `_SUCCESS` and hidden files, and so does this)."""
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def spark_table_select(con: duckdb.DuckDBPyConnection, files: list[Path]) -> str:
    """A query reading a Spark table's files with its timestamps as the warehouse keeps them: naive UTC.

    Spark writes timestamps as instants (INT96, or INT64 adjusted to UTC); DuckDB reads the first as naive
    UTC and the second as `timestamp with time zone`, which `timezone('UTC', ...)` turns into naive UTC.
    """
    source = "read_parquet([" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in files) + "])"
    columns = con.execute(f"describe select * from {source}").fetchall()
    selects = ", ".join(
        f'timezone(\'UTC\', "{name}") as "{name}"' if kind == "TIMESTAMP WITH TIME ZONE" else f'"{name}"'
        for name, kind, *_ in columns
    )
    return f"select {selects} from {source}"


def _values_equal(left: object, right: object) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, float) or isinstance(right, float):
        left_f, right_f = float(left), float(right)
        if math.isnan(left_f) or math.isnan(right_f):
            return math.isnan(left_f) and math.isnan(right_f)
        return abs(left_f - right_f) <= FLOAT_TOLERANCE * max(1.0, abs(left_f), abs(right_f))
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        return round(Decimal(str(left)), 2) == round(Decimal(str(right)), 2)
    return left == right


def compare_rows(columns: list[str], duck_rows: list[tuple], spark_rows: list[tuple]) -> list[str]:
    """Problems found comparing two row lists sorted the same way; empty when they match."""
    problems: list[str] = []
    if len(duck_rows) != len(spark_rows):
        problems.append(f"row count: duckdb {len(duck_rows)}, spark {len(spark_rows)}")
    differing: dict[str, int] = {}
    examples: list[str] = []
    for duck_row, spark_row in zip(duck_rows, spark_rows, strict=False):
        for column, left, right in zip(columns, duck_row, spark_row, strict=True):
            if not _values_equal(left, right):
                differing[column] = differing.get(column, 0) + 1
                if len(examples) < MAX_EXAMPLES:
                    examples.append(f"{column}: duckdb {left!r}, spark {right!r}")
    if differing:
        counts = ", ".join(f"{column} ({n} rows)" for column, n in differing.items())
        problems.append(f"values differ in {counts}; e.g. " + "; ".join(examples))
    return problems


def compare_marts(duckdb_path: Path, spark_tables: Path, schemas: tuple[str, ...] = MART_SCHEMAS) -> list:
    """One MartComparison per mart of the DuckDB build (column names, row counts, values)."""
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{duckdb_path}' as built (read_only)")
        results = []
        for schema, table in duckdb_marts(con, "built", schemas):
            results.append(_compare_one(con, schema, table, spark_tables))
        return results
    finally:
        con.close()


def _compare_one(con: duckdb.DuckDBPyConnection, schema: str, table: str, spark_tables: Path) -> MartComparison:
    duck = con.execute(f'select * from built."{schema}"."{table}"')
    duck_columns = [d[0] for d in duck.description]
    duck_types = [str(d[1]) for d in duck.description]
    duck_count = con.execute(f'select count(*) from built."{schema}"."{table}"').fetchone()[0]
    result = MartComparison(schema, table, duck_count, None)
    folder = spark_table_dir(spark_tables, schema, table)
    files = sorted(p for p in folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        result.problems.append(f"no Spark table files in {folder}")
        return result
    file_list = ", ".join(f"'{p}'" for p in files)
    spark = con.execute(f"select * from read_parquet([{file_list}])")
    spark_columns = [d[0] for d in spark.description]
    result.spark_rows = con.execute(f"select count(*) from read_parquet([{file_list}])").fetchone()[0]
    if spark_columns != duck_columns:
        result.problems.append(f"columns differ: duckdb {duck_columns}, spark {spark_columns}")
        return result
    # Spark writes timestamps as UTC instants; the warehouse's timestamps are naive UTC.
    selects = ", ".join(
        f'cast("{name}" as timestamp) as "{name}"' if kind.startswith("TIMESTAMP") else f'"{name}"'
        for name, kind in zip(duck_columns, duck_types, strict=True)
    )
    order = ", ".join(f"{i + 1}" for i in range(len(duck_columns)))
    duck_rows = con.execute(f'select {selects} from built."{schema}"."{table}" order by {order}').fetchall()
    spark_rows = con.execute(f"select {selects} from read_parquet([{file_list}]) order by {order}").fetchall()
    result.problems.extend(compare_rows(duck_columns, duck_rows, spark_rows))
    return result


def report(results: list[MartComparison]) -> str:
    """One line per mart: match or the problems, then a count."""
    lines = []
    for result in results:
        status = "match" if result.matches else "DIFFERS"
        lines.append(f"{status:8} {result.name} ({result.duckdb_rows} rows)")
        lines.extend(f"         - {problem}" for problem in result.problems)
    matched = sum(result.matches for result in results)
    lines.append(f"{matched} of {len(results)} marts match")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 3:
        sys.exit("usage: python -m funnel.engine_compare <build.duckdb> <spark tables folder>")
    outcome = compare_marts(Path(sys.argv[1]), Path(sys.argv[2]))
    print(report(outcome))
    sys.exit(0 if all(result.matches for result in outcome) else 1)
