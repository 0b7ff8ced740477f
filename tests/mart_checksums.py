"""Checksums of every mart's content, computed in DuckDB, independent of row order.

A mart's checksum is the md5 of its rows' md5s, sorted: the same rows in any order give the same
checksum, and a row more, a row less or one value changed gives another. Doubles are rounded to 6
decimals first, so that the last bits of a parallel sum (whose order DuckDB does not fix) cannot
change a checksum. The stored checksums (`mart_checksums.json`) are those of the demo build;
tests/test_mart_checksums.py compares a fresh demo build with them.

Re-record them only for an intended change of mart content, and say in the commit which marts
changed and why:

    .venv/bin/pytest tests/test_mart_checksums.py --record-mart-checksums   # runs the demo build
    .venv/bin/python tests/mart_checksums.py PUBLISHED_DB --record          # from a build you have
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

STORED = Path(__file__).resolve().parent / "mart_checksums.json"
NULL_MARK = "\\N"  # a null is not the empty string
SEPARATOR = "\x1f"  # the unit separator: not in any value of the demo data
DOUBLE_DECIMALS = 6
# Columns that say which run made a row and when, not what the row says: the CLV stage's run id, fit time
# and duration differ in every build. They stay in the column list (a change of columns is noticed) but
# not in the content.
RUN_COLUMNS = frozenset({"run_id", "fitted_at", "fit_seconds"})


def _value_text(column: str, data_type: str) -> str:
    """SQL for one value as text; doubles rounded (and -0 made 0) so that summation order cannot show."""
    quoted = '"' + column.replace('"', '""') + '"'
    if data_type in ("DOUBLE", "FLOAT", "REAL"):
        quoted = f"(round({quoted}, {DOUBLE_DECIMALS}) + 0)"
    return f"coalesce(cast({quoted} as varchar), '{NULL_MARK}')"


def table_checksum(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, object]:
    """Columns (name and type, in order), row count and checksum of one table."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    row_text = f" || '{SEPARATOR}' || ".join(
        _value_text(name, data_type) for name, data_type in columns if name not in RUN_COLUMNS
    )
    rows, checksum = con.execute(
        f"""
        select count(*), md5(coalesce(string_agg(row_hash, '' order by row_hash), ''))
        from (select md5({row_text}) as row_hash from "{schema}"."{table}")
        """
    ).fetchone()
    return {
        "columns": ", ".join(f"{name} {data_type.lower()}" for name, data_type in columns),
        "rows": rows,
        "checksum": checksum,
    }


def mart_checksums(db_path: Path, schemas: tuple[str, ...] | None = None) -> dict[str, dict[str, object]]:
    """The checksum of every table in the mart schemas of a database, keyed `schema.table`."""
    if schemas is None:
        from funnel.project import mart_schemas

        schemas = mart_schemas()
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in ({', '.join('?' for _ in schemas)}) order by 1, 2",
            list(schemas),
        ).fetchall()
        return {f"{schema}.{table}": table_checksum(con, schema, table) for schema, table in tables}


def differences(expected: dict[str, dict], actual: dict[str, dict]) -> list[str]:
    """One readable line per mart whose columns, row count or content differ, or that is on one side only."""
    lines = []
    for name in sorted(expected.keys() | actual.keys()):
        before, after = expected.get(name), actual.get(name)
        if before is None:
            lines.append(f"{name}: a new mart ({after['rows']} rows), no stored checksum")
        elif after is None:
            lines.append(f"{name}: stored, but not built any more")
        elif before["columns"] != after["columns"]:
            lines.append(f"{name}: columns changed from [{before['columns']}] to [{after['columns']}]")
        elif before["rows"] != after["rows"]:
            lines.append(f"{name}: {before['rows']} rows stored, {after['rows']} built")
        elif before["checksum"] != after["checksum"]:
            lines.append(f"{name}: same {after['rows']} rows, different content")
    return lines


def stored() -> dict[str, dict[str, object]]:
    return json.loads(STORED.read_text(encoding="utf-8"))


def record(actual: dict[str, dict[str, object]]) -> None:
    STORED.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Compare (or record) the mart checksums of a demo build.")
    parser.add_argument("db", type=Path, help="a database built from the demo extracts, e.g. the published file")
    parser.add_argument("--record", action="store_true", help=f"write them to {STORED.name} (an intended change)")
    args = parser.parse_args(argv)
    actual = mart_checksums(args.db)
    if args.record:
        record(actual)
        print(f"recorded {len(actual)} marts in {STORED}")
        return 0
    lines = differences(stored(), actual)
    print("\n".join(lines) if lines else f"all {len(actual)} marts match {STORED.name}")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main(sys.argv[1:]))
