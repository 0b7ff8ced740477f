"""Load one extract file into its raw table: read natively, check, and split into rows and quarantine.

Called by `funnel.ingest` inside the batch's transaction. Every record read ends up either in the
raw table, with its batch, file and physical line, or in `raw._quarantine`, with its line, column,
reason and raw text; the caller checks read = loaded + quarantined.

What a value must look like is DuckDB's own cast of the contract type (ISO dates and timestamps,
a dot as decimal separator, true/false/yes/no/1/0/t/f for booleans), unless the contract gives a
column `formats` of its own; see docs/extract-contract.md.

Two paths, with the same result:
- **direct**: a CSV file whose columns DuckDB types itself is read straight into the raw table,
  numbered by the scan's line map; then the few records that may not stay (an empty required
  value, a repeated key) are moved to the quarantine. This is the fast path of a clean delivery.
- **landing**: a Parquet file, a file with columns in formats of their own, or a file where DuckDB
  rejected a value (which shifts the numbering) lands in a temp table first, is checked there and
  only its sound records are inserted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from funnel import contract, csv_reader

LANDING = "_landing"
PROBLEMS = "_landing_problems"
MAX_CASE_RUNS = 64  # beyond this many line runs, lines are mapped with an as-of join instead of a CASE


class ContractError(Exception):
    """A batch, file or header that does not follow the extract contract; nothing of the batch loads."""


@dataclass(frozen=True)
class FileOptions:
    """How to read one file, from the batch manifest."""

    encoding: str | None = None
    delimiter: str | None = None


@dataclass
class FileLoad:
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    notes: list[str] = field(default_factory=list)


Quarantined = tuple[int, str | None, str, str, str | None]  # line, column, kind, reason, raw text


@dataclass
class _Source:
    """Where the records of one file are, and how to read each contract column there."""

    relation: str  # a table, or a query with its joins
    row_id: str  # the column identifying a record within `relation`
    line_sql: str  # SQL of a record's physical line
    values: dict[str, str]  # contract column -> SQL of its typed value
    texts: dict[str, str]  # contract column -> SQL of its value as written
    converted: set[str]  # columns converted after reading, which may fail there
    where: str = "true"


@dataclass
class _Header:
    """Where each contract column is among a file's columns."""

    positions: dict[str, int]  # contract column -> position of the header column that fills it
    collected: dict[str, list[tuple[str, int]]]  # JSON column -> (header name, position) it gathers
    notes: list[str]


def _header_positions(names: list[str], entity: contract.Entity, relative: str) -> _Header:
    """Position of each contract column among the file's columns (by name or alias), and notes on the others."""
    cleaned = [name.strip().lower() for name in names]
    positions: dict[str, int] = {}
    collected: dict[str, list[tuple[str, int]]] = {}
    for column in entity.columns:
        # the column's own name wins over its aliases, an earlier alias over a later one
        found = [cleaned.index(name) for name in (column.name, *column.aliases) if name in cleaned]
        if found:
            positions[column.name] = found[0]
        if column.collect:
            collected[column.name] = [(name, i) for i, name in enumerate(cleaned) if column.collects(name)]
    missing = [c.name for c in entity.columns if c.name not in positions and not c.optional and not c.collect]
    if missing:
        hint = f"; {entity.export_hint}" if entity.export_hint else ""
        found = ", ".join(f'"{name}"' for name in names[:8] if name.strip()) + (", ..." if len(names) > 8 else "")
        raise ContractError(
            f"{relative}: missing column(s) {', '.join(missing)} in the header (found {found}); expected the "
            f"columns {', '.join(c.name for c in entity.columns if not c.collect)} (see docs/extract-contract.md)"
            f"{hint}"
        )
    duplicated = sorted({n for n in cleaned if n and cleaned.count(n) > 1})
    if duplicated:
        raise ContractError(f"{relative}: column(s) {', '.join(duplicated)} appear twice in the header")
    used = set(positions.values()) | {i for pairs in collected.values() for _, i in pairs}
    extra = [name for i, name in enumerate(names) if i not in used]
    notes = [f"ignored column(s) not in the contract: {', '.join(extra)}"] if extra else []
    absent = [c.name for c in entity.columns if c.name not in positions and not c.collect]
    if absent:
        notes.append(f"absent optional column(s), loaded as empty: {', '.join(absent)}")
    return _Header(positions, collected, notes)


def _collected(pairs: list[tuple[str, int]], column_sql) -> str:
    """SQL of a JSON object (as text) of the gathered header columns, keyed by their names in lower case."""
    if not pairs:
        return "null::varchar"
    members = ", ".join(f"{_literal(name)}, {column_sql(i)}" for name, i in pairs)
    return f"cast(json_object({members}) as varchar)"


def _native_type(column: contract.Column) -> str:
    """The type DuckDB's reader casts a column to; text when the contract gives formats of its own."""
    if column.formats:
        return "varchar"
    return "timestamptz" if column.data_type == "timestamp" else column.data_type


def _converted(column: contract.Column, source: str, timezone: str) -> str:
    """SQL turning a read value into the contract type (timestamps as naive UTC).

    With formats, the first that reads the value wins: `epoch_ms` (milliseconds since 1970 UTC, as
    HubSpot writes them), `iso` (DuckDB's ISO-8601 cast; naive values in the session's time zone),
    or a strptime pattern (naive: wall-clock time in the warehouse zone).
    """
    if not column.formats:
        return f"timezone('UTC', {source})" if column.data_type == "timestamp" else source
    text = f"trim({source})"
    readers = []
    patterns = [f for f in column.formats if f not in contract.FORMAT_WORDS]
    for fmt in column.formats:
        if fmt == "epoch_ms":
            is_epoch = f"regexp_full_match({text}, '-?[0-9]{{1,16}}')"
            readers.append(f"case when {is_epoch} then epoch_ms(cast({text} as bigint)) end")
        elif fmt == "iso":
            readers.append(f"timezone('UTC', try_cast({text} as timestamptz))")
        elif fmt == patterns[0]:
            parsed = "try_strptime(" + text + ", [" + ", ".join(_literal(f) for f in patterns) + "])"
            # formats without an offset give wall-clock time in the warehouse zone
            readers.append(f"timezone('UTC', timezone({_literal(timezone)}, cast({parsed} as timestamp)))")
    value = readers[0] if len(readers) == 1 else f"coalesce({', '.join(readers)})"
    return f"cast({value} as date)" if column.data_type == "date" else value


def _insert_columns(entity: contract.Entity) -> str:
    """The raw table's columns by name: a table made under an older contract has new ones at its end."""
    return ", ".join([*entity.column_names, "_batch_id", "_source_file", "_source_line", "_loaded_at"])


def _literal(text: str | None) -> str:
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


def _line_sql(runs: list[tuple[int, int, int]], ordinality: str) -> tuple[str, str]:
    """SQL for the physical line of a record from its ordinality, and the join it needs, if any."""
    if not runs:
        return "null::bigint", ""
    if len(runs) <= MAX_CASE_RUNS:
        cases = " ".join(
            f"when {ordinality} >= {first} then {ordinality} + {line - first}" for first, line, _ in reversed(runs)
        )
        return f"(case {cases} end)", ""
    values = ", ".join(f"({first}, {line})" for first, line, _ in runs)
    join = (
        f"asof inner join (values {values}) as _runs(first_ordinality, first_line) "
        f"on {ordinality} >= _runs.first_ordinality"
    )
    return f"(_runs.first_line + {ordinality} - _runs.first_ordinality)", join


def _kind(column: contract.Column) -> str:
    if column.data_type in ("date", "timestamp"):
        return "bad_date"
    return {"boolean": "bad_boolean", "varchar": "bad_value"}.get(column.data_type, "bad_number")


def _cast_reason(column: contract.Column, value: str) -> str:
    return f"column {column.name}: expected {column.expected}, got '{value[:60]}'"


def _problems(con: duckdb.DuckDBPyConnection, entity: contract.Entity, source: _Source) -> list[tuple]:
    """(row id, line, column, kind, reason) of every record that may not load, in file order.

    A value that did not convert, then an empty required value; then, among the other records, a
    key seen before in the file (the first occurrence stays).
    """
    checks: list[str] = []
    for column in entity.columns:
        value, text = source.values[column.name], source.texts[column.name]
        if column.name in source.converted:
            message = f"'column {column.name}: expected {column.expected}, got ''' || left({text}, 60) || ''''"
            checks.append(
                f"when nullif(trim({text}), '') is not null and {value} is null "
                f"then {{'col': '{column.name}', 'kind': '{_kind(column)}', 'msg': {message}}}"
            )
        if column.required:
            checks.append(
                f"when {value} is null then {{'col': '{column.name}', 'kind': 'missing_required', "
                f"'msg': 'column {column.name}: a value is required, found it empty'}}"
            )
    keys = ", ".join(f"{source.values[k]} as k{i}" for i, k in enumerate(entity.primary_key))
    names = ", ".join(f"k{i}" for i in range(len(entity.primary_key)))
    problem = f"case {' '.join(checks)} end" if checks else "null"
    records = (
        f"select {source.row_id} as row_id, {source.line_sql} as line, {keys}, {problem} as problem "
        f"from {source.relation} where {source.where}"
    )
    # One scan says whether anything is wrong (most files are clean); the records are listed only then.
    # A null key is not distinct from nothing: it sends the file to the listing, which decides.
    any_bad, any_repeated = con.execute(
        f"select count(problem) > 0, count(*) > count(distinct ({names})) from ({records})"
    ).fetchone()
    found: list[tuple] = []
    if any_bad:
        found = con.execute(
            f"select row_id, line, problem.col, problem.kind, problem.msg from ({records}) where problem is not null"
        ).fetchall()
    bad = {row[0] for row in found}
    repeated = []
    if any_repeated:
        repeated = con.execute(
            f"select list(row_id order by line), list(line order by line) from ({records}) "
            f"group by {names} having count(*) > 1"
        ).fetchall()
    key_text = ", ".join(entity.primary_key)
    for row_ids, lines in repeated:
        sound = [(row_id, line) for row_id, line in zip(row_ids, lines, strict=True) if row_id not in bad]
        for row_id, line in sound[1:]:
            reason = f"duplicate key ({key_text}) first seen at line {sound[0][1]}"
            found.append((row_id, line, entity.primary_key[0], "duplicate_key", reason))
    return sorted(found, key=lambda row: row[1])


def _store_quarantine(
    con: duckdb.DuckDBPyConnection, batch_id: str, relative: str, rows: list[Quarantined], loaded_at: datetime
) -> None:
    if rows:
        con.executemany(
            f"insert into {contract.RAW_SCHEMA}._quarantine values (?, ?, ?, ?, ?, ?, ?, ?)",
            [[batch_id, relative, *row, loaded_at] for row in sorted(rows, key=lambda q: q[0])],
        )


def _rejected_records(state: csv_reader.CsvFile, rejected: list[tuple], by_position: dict) -> list[Quarantined]:
    """DuckDB's rejects as quarantine rows, with their physical lines and reasons in words."""
    rows: list[Quarantined] = []
    width = len(state.header)
    for record, position, error_type, message, text in rejected:
        line = state.line_of_record(record)
        text = (text or "").strip("\r\n")  # DuckDB may include the line break before a CRLF record
        fields = csv_reader.fields(text, state.delimiter)
        raw = csv_reader.clip(text)
        # DuckDB stops at a record's first bad value, so it may not say that the fields were too many
        if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS") or len(fields) != width:
            reason = f"expected {width} columns as in the header, found {len(fields)}"
            rows.append((line, None, "column_count", reason, raw))
        elif error_type == "CAST" and position in by_position:
            column = by_position[position]
            rows.append((line, column.name, _kind(column), _cast_reason(column, fields[position]), raw))
        else:
            rows.append((line, None, "unreadable", f"{error_type}: {message}", raw))
    return rows


class _Csv:
    """One CSV file on its way into the raw table."""

    def __init__(self, con, bf, options: FileOptions, timezone: str, workdir: Path) -> None:
        self.con, self.bf, self.timezone = con, bf, timezone
        self.entity: contract.Entity = bf.entity
        try:
            self.state = csv_reader.open_file(
                bf.path, bf.relative, self.entity.header_names, workdir, options.encoding, options.delimiter
            )
        except csv_reader.FileRefused as exc:
            raise ContractError(str(exc)) from None
        header = _header_positions(self.state.header, self.entity, bf.relative)
        self.positions, self.collected, self.notes = header.positions, header.collected, header.notes
        self.by_position = {index: self.entity.column(name) for name, index in self.positions.items()}
        self.types = [
            _native_type(self.by_position[i]) if i in self.by_position else "varchar"
            for i in range(len(self.state.header))
        ]

    def _values(self, prefix: str) -> dict[str, str]:
        values = {}
        for c in self.entity.columns:
            if c.name in self.positions:
                values[c.name] = _converted(c, f"{prefix}c{self.positions[c.name]}", self.timezone)
            elif c.collect:
                values[c.name] = _collected(self.collected[c.name], lambda i: f"{prefix}c{i}")
            else:
                values[c.name] = f"null::{c.data_type}"
        return values

    def _read(self, sql: Callable[[str], str]) -> tuple[int, list[tuple]]:
        """Run `sql(read_csv(...))`: its row count, and DuckDB's rejects.

        Naive timestamps are read in the session's time zone: the caller sets it to the warehouse's.
        """
        try:
            try:
                return csv_reader.read(self.con, self.state, self.types, sql)
            except duckdb.InvalidInputException:
                # DuckDB's strict reader refused a line the lenient scan let through: check every line
                csv_reader.repair(self.state, rewrite=True)
                return csv_reader.read(self.con, self.state, self.types, sql)
        except csv_reader.FileRefused as exc:
            raise ContractError(str(exc)) from None

    def load(self, batch_id: str, loaded_at: datetime) -> FileLoad:
        try:
            csv_reader.scan(self.state)
        except csv_reader.FileRefused as exc:
            raise ContractError(str(exc)) from None
        result = None
        if not any(c.formats for c in self.entity.columns if c.name in self.positions):
            result = self._direct(batch_id, loaded_at)
        if result is None:
            result = self._via_landing(batch_id, loaded_at)
        result.notes = [*self.notes, *self.state.notes]
        return result

    def _direct(self, batch_id: str, loaded_at: datetime) -> FileLoad | None:
        """Read straight into the raw table; None when DuckDB rejected records (numbering shifted)."""
        table, relative = self.entity.qualified_table, self.bf.relative
        line_sql, line_join = _line_sql(self.state.runs and _shifted(self.state.runs), "ordinality")
        values = ", ".join(f"{v} as {name}" for name, v in self._values("").items())

        def insert(read_csv: str) -> str:
            return (
                f"insert into {table} ({_insert_columns(self.entity)}) "
                f"select {values}, {_literal(batch_id)}, {_literal(relative)}, {line_sql}, "
                f"cast({_literal(loaded_at.isoformat())} as timestamp) from {read_csv} {line_join}"
            )

        inserted, rejected = self._read(insert)
        if rejected:
            self.con.execute(
                f"delete from {table} where _batch_id = $batch and _source_file = $file",
                {"batch": batch_id, "file": relative},
            )
            return None
        filtered = f"_batch_id = {_literal(batch_id)} and _source_file = {_literal(relative)}"
        source = _Source(
            relation=table,
            row_id="_source_line",
            line_sql="_source_line",
            values={c.name: c.name for c in self.entity.columns},
            texts={c.name: f"cast({c.name} as varchar)" for c in self.entity.columns},
            converted=set(),
            where=filtered,
        )
        problems = _problems(self.con, self.entity, source)
        if problems:
            lines = ", ".join(str(row[1]) for row in problems)
            self.con.execute(f"delete from {table} where {filtered} and _source_line in ({lines})")
        texts = csv_reader.raw_lines(self.state, {row[1] for row in problems})
        quarantine = [(r.line, r.column, r.kind, r.reason, r.raw) for r in self.state.rejects]
        quarantine += [(line, col, kind, reason, texts.get(line)) for _, line, col, kind, reason in problems]
        _store_quarantine(self.con, batch_id, relative, quarantine, loaded_at)
        return FileLoad(
            rows_read=inserted + len(self.state.rejects),
            rows_loaded=inserted - len(problems),
            rows_quarantined=len(quarantine),
        )

    def _via_landing(self, batch_id: str, loaded_at: datetime) -> FileLoad:
        read, rejected = self._read(
            lambda read_csv: f"create or replace temp table {LANDING} as select * from {read_csv}"
        )
        runs = csv_reader.accepted_runs(self.state, [r[0] for r in rejected], read)
        line_sql, line_join = _line_sql(runs, f"{LANDING}.ordinality")
        source = _Source(
            relation=f"{LANDING} {line_join}",
            row_id=f"{LANDING}.ordinality",
            line_sql=line_sql,
            values=self._values(f"{LANDING}."),
            texts={
                c.name: f"cast({LANDING}.c{self.positions[c.name]} as varchar)" if c.name in self.positions else "null"
                for c in self.entity.columns
            },
            converted={c.name for c in self.entity.columns if c.formats and c.name in self.positions},
        )
        quarantine = [(r.line, r.column, r.kind, r.reason, r.raw) for r in self.state.rejects]
        quarantine += _rejected_records(self.state, rejected, self.by_position)
        inserted = _insert_sound(
            self.con,
            self.entity,
            source,
            batch_id,
            self.bf.relative,
            loaded_at,
            lambda lines: csv_reader.raw_lines(self.state, lines),
        )
        quarantine += inserted.late
        _store_quarantine(self.con, batch_id, self.bf.relative, quarantine, loaded_at)
        return FileLoad(read + len(self.state.rejects) + len(rejected), inserted.rows_loaded, len(quarantine))

    def cleanup(self) -> None:
        self.state.cleanup()


def _shifted(runs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The scan's runs (first record index, line, count) as runs of 1-based ordinality."""
    return [(first + 1, line, count) for first, line, count in runs]


@dataclass
class _Inserted:
    rows_loaded: int = 0
    late: list[Quarantined] = field(default_factory=list)


def _insert_sound(
    con: duckdb.DuckDBPyConnection,
    entity: contract.Entity,
    source: _Source,
    batch_id: str,
    relative: str,
    loaded_at: datetime,
    raw_text: Callable[[set[int]], dict[int, str]],
) -> _Inserted:
    """Insert the landed records that pass the checks; the others come back as quarantine rows."""
    problems = _problems(con, entity, source)
    con.execute(f"create or replace temp table {PROBLEMS} (ordinality bigint)")
    if problems:
        con.executemany(f"insert into {PROBLEMS} values (?)", [[row[0]] for row in problems])
    typed = ", ".join(f"{source.values[c.name]} as {c.name}" for c in entity.columns)
    loaded = con.execute(
        f"insert into {entity.qualified_table} ({_insert_columns(entity)}) "
        f"select {typed}, $batch, $file, {source.line_sql}, $loaded_at "
        f"from {source.relation} anti join {PROBLEMS} using (ordinality)",
        {"batch": batch_id, "file": relative, "loaded_at": loaded_at},
    ).fetchone()[0]
    texts = raw_text({row[1] for row in problems})
    late = [(line, col, kind, reason, texts.get(line)) for _, line, col, kind, reason in problems]
    return _Inserted(rows_loaded=loaded, late=late)


def check_header(bf, options: FileOptions | None = None) -> None:
    """Refuse a file whose header breaks the contract, reading only its first bytes (or schema)."""
    options = options or FileOptions()
    if bf.path.suffix == ".csv":
        try:
            header = csv_reader.read_header(
                bf.path, bf.relative, bf.entity.header_names, options.encoding, options.delimiter
            )
        except csv_reader.FileRefused as exc:
            raise ContractError(str(exc)) from None
        _header_positions(header.names, bf.entity, bf.relative)
        return
    with duckdb.connect() as con:
        try:
            names = [
                row[0]
                for row in con.execute(f"describe select * from read_parquet({_literal(str(bf.path))})").fetchall()
            ]
        except duckdb.Error as exc:
            raise ContractError(f"{bf.relative}: not a readable Parquet file ({exc})") from None
    _header_positions(names, bf.entity, bf.relative)


def _load_parquet(con, bf, batch_id: str, loaded_at: datetime) -> FileLoad:
    entity: contract.Entity = bf.entity
    path = _literal(str(bf.path))
    try:
        described = con.execute(f"describe select * from read_parquet({path})").fetchall()
    except duckdb.Error as exc:
        raise ContractError(f"{bf.relative}: not a readable Parquet file ({exc})") from None
    names = [row[0] for row in described]
    header = _header_positions(names, entity, bf.relative)
    positions, notes = header.positions, header.notes
    used = set(positions.values()) | {i for pairs in header.collected.values() for _, i in pairs}
    selects = ", ".join('"' + names[i].replace('"', '""') + f'" as c{i}' for i in sorted(used))
    con.execute(
        f"create or replace temp table {LANDING} as select {selects}, file_row_number + 1 as ordinality "
        f"from read_parquet({path}, file_row_number = true)"
    )
    values, texts = {}, {}
    for column in entity.columns:
        if column.name not in positions:
            values[column.name] = (
                _collected(header.collected[column.name], lambda i: f"cast({LANDING}.c{i} as varchar)")
                if column.collect
                else f"null::{column.data_type}"
            )
            texts[column.name] = "null"
            continue
        text = f"cast({LANDING}.c{positions[column.name]} as varchar)"
        texts[column.name] = text
        values[column.name] = (
            _converted(column, text, "UTC")
            if column.formats
            else f"try_cast({LANDING}.c{positions[column.name]} as {column.data_type})"
        )
    source = _Source(
        relation=LANDING,
        row_id=f"{LANDING}.ordinality",
        line_sql=f"{LANDING}.ordinality",
        values=values,
        texts=texts,
        converted={c.name for c in entity.columns if c.name in positions},
    )

    def raw_text(lines: set[int]) -> dict[int, str]:
        if not lines:
            return {}
        fields = ", ".join(f"{name} := {text}" for name, text in texts.items())
        found = con.execute(
            f"select ordinality, to_json(struct_pack({fields})) from {LANDING} "
            f"where ordinality in ({', '.join(str(n) for n in sorted(lines))})"
        ).fetchall()
        return {line: csv_reader.clip(text) for line, text in found}

    rows = con.execute(f"select count(*) from {LANDING}").fetchone()[0]
    inserted = _insert_sound(con, entity, source, batch_id, bf.relative, loaded_at, raw_text)
    _store_quarantine(con, batch_id, bf.relative, inserted.late, loaded_at)
    return FileLoad(rows, inserted.rows_loaded, len(inserted.late), notes)


def load_file(
    con: duckdb.DuckDBPyConnection,
    bf,
    batch_id: str,
    loaded_at: datetime,
    timezone: str,
    workdir: Path,
    options: FileOptions | None = None,
) -> FileLoad:
    """Land, check and split one file inside the caller's transaction.

    The session's time zone must be the warehouse's: naive timestamps are wall-clock time there.
    """
    if bf.path.suffix != ".csv":
        return _load_parquet(con, bf, batch_id, loaded_at)
    csv_file = _Csv(con, bf, options or FileOptions(), timezone, workdir)
    try:
        return csv_file.load(batch_id, loaded_at)
    finally:
        csv_file.cleanup()


def forget(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what loading files left in the session: landed records and DuckDB's rejects."""
    con.execute(f"drop table if exists {LANDING}; drop table if exists {PROBLEMS}")
    csv_reader.forget_rejects(con)
