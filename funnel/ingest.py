"""Load dated batch folders of CSV or Parquet extracts into the raw schema of the warehouse.

A batch is `<root>/<YYYY-MM-DD>/<system>/<entity>.csv|.parquet`. Each batch loads in one
transaction: readers see all of it or none of it. Every data record read ends up either in its raw
table (with batch, file and line) or in `raw._quarantine` (with the line, column and reason), and
`raw._load_log` records read = loaded + quarantined per file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from funnel import contract

CHUNK_ROWS = 100_000
RAW_LINE_LIMIT = 2_000  # characters of a quarantined line kept for inspection
csv.field_size_limit(16 * 1024 * 1024)

Progress = Callable[[str, int, int], None]

TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?\s?(Z|[+-]\d{2}(:?\d{2})?)?$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
BOOLEAN_WORDS = ("true", "false", "t", "f", "1", "0", "yes", "no", "y", "n")


class ContractError(Exception):
    """A batch, file or header that does not follow the extract contract; nothing of the batch loads."""


@dataclass
class FileResult:
    batch_id: str
    source_file: str
    system: str
    entity: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    manifest_rows: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_reconciled(self) -> bool:
        counts_add_up = self.rows_read == self.rows_loaded + self.rows_quarantined
        return counts_add_up and self.manifest_rows in (None, self.rows_read)


@dataclass
class BatchResult:
    batch_id: str
    status: str  # loaded | replaced | unchanged
    files: list[FileResult] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)


@dataclass(frozen=True)
class BatchFile:
    entity: contract.Entity
    path: Path
    relative: str  # "<batch>/<system>/<entity>.<ext>", as recorded in lineage


# ---------------------------------------------------------------------------------------------
# Discovering and checking batches against the contract
# ---------------------------------------------------------------------------------------------


def discover_batches(root: Path) -> list[Path]:
    """Batch folders under `root`, oldest first. Names starting with `_` or `.` are ignored."""
    if not root.is_dir():
        raise ContractError(f"{root}: the extracts folder does not exist")
    batches = []
    for child in sorted(root.iterdir()):
        if child.name.startswith(("_", ".")):
            continue
        if not child.is_dir() or not contract.BATCH_ID_PATTERN.match(child.name):
            raise ContractError(f"{child}: not a batch folder; expected folders named by extract date (YYYY-MM-DD)")
        _check_date(child.name, child)
        batches.append(child)
    return batches


def _check_date(batch_id: str, where: Path) -> None:
    try:
        datetime.strptime(batch_id, "%Y-%m-%d")
    except ValueError:
        raise ContractError(f"{where}: '{batch_id}' is not a valid calendar date (YYYY-MM-DD)") from None


def plan_batch(batch_dir: Path) -> list[BatchFile]:
    """The files of one batch, each matched to its contract entity, or a ContractError naming the file."""
    batch_id = batch_dir.name
    entities = contract.entities()
    systems = sorted({e.system for e in entities.values()})
    planned: dict[str, BatchFile] = {}
    for system_dir in sorted(batch_dir.iterdir()):
        if system_dir.name.startswith((".", "_")):
            continue
        if not system_dir.is_dir() or system_dir.name not in systems:
            raise ContractError(
                f"{batch_id}/{system_dir.name}: not a source system of the contract; "
                f"expected folders {', '.join(systems)}"
            )
        for path in sorted(system_dir.iterdir()):
            if path.name.startswith("."):
                continue
            relative = f"{batch_id}/{system_dir.name}/{path.name}"
            known = sorted(e.name for e in entities.values() if e.system == system_dir.name)
            if path.suffix not in contract.FORMATS or path.stem not in known:
                raise ContractError(
                    f"{relative}: not in the extract contract; expected <entity>.csv or "
                    f"<entity>.parquet with entity one of {', '.join(known)}"
                )
            entity = entities[f"{system_dir.name}/{path.stem}"]
            if entity.key in planned:
                raise ContractError(
                    f"{relative}: {entity.key} is delivered twice in this batch "
                    f"(also {planned[entity.key].relative}); expected one file per entity"
                )
            planned[entity.key] = BatchFile(entity, path, relative)
    if not planned:
        raise ContractError(f"{batch_id}: the batch folder holds no extract files")
    return list(planned.values())


def read_manifest(batch_dir: Path, files: list[BatchFile]) -> dict[str, int]:
    """Row counts from `_manifest.json` keyed by path inside the batch; {} when there is none."""
    path = batch_dir / "_manifest.json"
    if not path.exists():
        return {}
    where = f"{batch_dir.name}/_manifest.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        counts = {str(f["path"]): int(f["rows"]) for f in doc["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise ContractError(
            f'{where}: unreadable manifest ({exc}); expected {{"files": [{{"path": ..., "rows": ...}}]}}'
        ) from None
    present = {f.relative.split("/", 1)[1] for f in files}
    missing = sorted(set(counts) - present)
    if missing:
        raise ContractError(f"{where}: lists {', '.join(missing)}, which the batch does not contain")
    return counts


def file_hashes(batch_dir: Path, files: list[BatchFile]) -> dict[str, str]:
    """sha256 of every file of the batch (and of its manifest), keyed by path inside the batch."""
    paths = [f.path for f in files]
    if (batch_dir / "_manifest.json").exists():
        paths.append(batch_dir / "_manifest.json")
    return {p.relative_to(batch_dir).as_posix(): _file_sha256(p) for p in sorted(paths)}


def fingerprint(hashes: dict[str, str]) -> str:
    """One digest of all file names and contents: equal digests mean the same delivery."""
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Reading files into a varchar landing table, with line numbers
# ---------------------------------------------------------------------------------------------

LANDING = "_landing"
QUARANTINE_STAGE = "_landing_rejects"


def _create_landing(con: duckdb.DuckDBPyConnection, entity: contract.Entity) -> None:
    cols = ", ".join(f'"{c}" varchar' for c in entity.column_names)
    con.execute(f"create or replace temp table {LANDING} (_source_line bigint, {cols})")
    con.execute(
        f"create or replace temp table {QUARANTINE_STAGE} ("
        "line_number bigint, column_name varchar, error_type varchar, reason varchar, raw_line varchar)"
    )


def _header_positions(header: list[str], entity: contract.Entity, relative: str) -> tuple[list[int], list[str]]:
    """Position of each contract column in the file's header, and notes on extra columns."""
    names = [h.strip().lower() for h in header]
    missing = [c for c in entity.column_names if c not in names]
    if missing:
        raise ContractError(
            f"{relative}: missing column(s) {', '.join(missing)} in the header; expected the columns "
            f"{', '.join(entity.column_names)} (see docs/extract-contract.md)"
        )
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ContractError(f"{relative}: column(s) {', '.join(duplicated)} appear twice in the header")
    extra = [h for h in header if h.strip().lower() not in entity.column_names]
    notes = [f"ignored column(s) not in the contract: {', '.join(extra)}"] if extra else []
    return [names.index(c) for c in entity.column_names], notes


def _raw_line(fields: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    text = buffer.getvalue().encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text[:RAW_LINE_LIMIT]


def _csv_field_sql(name: str) -> str:
    """SQL rendering one landed value as a CSV field: quoted when it holds a comma, quote or newline."""
    v = f"coalesce(\"{name}\", '')"
    return f"case when regexp_matches({v}, '[,\"\\r\\n]') then '\"' || replace({v}, '\"', '\"\"') || '\"' else {v} end"


def _bad_encoding_column(fields: list[str], header: list[str]) -> str | None:
    for name, value in zip(header, fields, strict=False):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return name
    return None


def _csv_chunks(bf: BatchFile, rejects: list[tuple]) -> Iterator[tuple[int, pa.Table | None, list[str]]]:
    """Yield (rows read so far, arrow chunk of structurally sound rows, notes) while collecting rejects."""
    entity = bf.entity
    with bf.path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(text, strict=False)
        try:
            header = next(reader)
        except StopIteration:
            raise ContractError(f"{bf.relative}: empty file; expected a header row") from None
        bad_header = _bad_encoding_column(header, header)
        if bad_header is not None:
            raise ContractError(f"{bf.relative}: line 1 (header) is not valid UTF-8")
        positions, notes = _header_positions(header, entity, bf.relative)
        width = len(header)
        rows_read = 0
        lines: list[int] = []
        rows: list[list[str]] = []
        previous_end = reader.line_num
        for fields in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not fields:  # a blank line is not a record
                continue
            rows_read += 1
            if len(fields) != width:
                rejects.append(
                    (
                        line,
                        None,
                        "column_count",
                        f"expected {width} columns as in the header, found {len(fields)}",
                        _raw_line(fields),
                    )
                )
                continue
            bad = _bad_encoding_column(fields, header)
            if bad is not None:
                rejects.append(
                    (
                        line,
                        bad.strip().lower(),
                        "bad_encoding",
                        f"column {bad.strip()}: bytes that are not valid UTF-8",
                        _raw_line(fields),
                    )
                )
                continue
            lines.append(line)
            rows.append([fields[p] for p in positions])
            if len(rows) >= CHUNK_ROWS:
                yield rows_read, _to_arrow(entity, lines, rows), notes
                lines, rows = [], []
        yield rows_read, _to_arrow(entity, lines, rows) if rows else None, notes


def _to_arrow(entity: contract.Entity, lines: list[int], rows: list[list[str]]) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    data = {"_source_line": pa.array(lines, pa.int64())}
    for name, values in zip(entity.column_names, columns, strict=True):
        data[name] = pa.array(values, pa.string())
    return pa.table(data)


def _land_csv(con: duckdb.DuckDBPyConnection, bf: BatchFile) -> tuple[int, list[str]]:
    rejects: list[tuple] = []
    rows_read, notes = 0, []
    cols = ", ".join(["_source_line", *[f'"{c}"' for c in bf.entity.column_names]])
    for rows_read, chunk, notes in _csv_chunks(bf, rejects):  # noqa: B007 - last values are the totals
        if chunk is not None:
            con.register("_chunk", chunk)
            con.execute(f"insert into {LANDING} ({cols}) select {cols} from _chunk")
            con.unregister("_chunk")
    if rejects:
        con.executemany(f"insert into {QUARANTINE_STAGE} values (?, ?, ?, ?, ?)", rejects)
    return rows_read, notes


def _land_parquet(con: duckdb.DuckDBPyConnection, bf: BatchFile) -> tuple[int, list[str]]:
    path = str(bf.path).replace("'", "''")
    try:
        described = con.execute(f"describe select * from read_parquet('{path}')").fetchall()
    except duckdb.Error as exc:
        raise ContractError(f"{bf.relative}: not a readable Parquet file ({exc})") from None
    names = [row[0] for row in described]
    _, notes = _header_positions(names, bf.entity, bf.relative)
    lookup = {n.strip().lower(): n for n in names}
    selects = ", ".join(f'cast("{lookup[c]}" as varchar) as "{c}"' for c in bf.entity.column_names)
    con.execute(
        f"insert into {LANDING} select file_row_number + 1 as _source_line, {selects} "
        f"from read_parquet('{path}', file_row_number = true)"
    )
    rows_read = con.execute(f"select count(*) from {LANDING}").fetchone()[0]
    return rows_read, notes


# ---------------------------------------------------------------------------------------------
# Typing, validating and splitting landed rows into raw rows and quarantined rows
# ---------------------------------------------------------------------------------------------


def _value(name: str) -> str:
    return f"nullif(\"{name}\", '')"


def _problem(column: contract.Column) -> tuple[str, str] | None:
    """SQL that is true when a present value does not parse, with the error type; None for text."""
    v = _value(column.name)
    t = column.data_type
    if t == "varchar":
        return None
    if t == "integer":
        return f"{v} is not null and try_cast(trim({v}) as bigint) is null", "bad_number"
    if t.startswith("decimal"):
        return f"{v} is not null and try_cast(trim({v}) as {t}) is null", "bad_number"
    if t == "boolean":
        words = ", ".join(f"'{w}'" for w in BOOLEAN_WORDS)
        return f"{v} is not null and lower(trim({v})) not in ({words})", "bad_boolean"
    if t == "date":
        return (
            f"{v} is not null and (not regexp_full_match(trim({v}), '{DATE_PATTERN}') "
            f"or try_cast(trim({v}) as date) is null)",
            "bad_date",
        )
    if t == "timestamp":
        return (
            f"{v} is not null and (not regexp_full_match(trim({v}), '{TIMESTAMP_PATTERN}') "
            f"or try_cast(trim({v}) as timestamptz) is null)",
            "bad_date",
        )
    raise ValueError(f"contract type {t} of column {column.name} has no parser")


def _typed(column: contract.Column) -> str:
    v = _value(column.name)
    t = column.data_type
    if t == "varchar":
        return v
    if t == "integer":
        return f"cast(trim({v}) as integer)"
    if t == "boolean":
        return f"lower(trim({v})) in ('true', 't', '1', 'yes', 'y')"
    if t == "timestamp":
        # Naive values are in the warehouse time zone (the session zone here); stored as UTC.
        return f"timezone('UTC', cast(trim({v}) as timestamptz))"
    return f"cast(trim({v}) as {t})"


def _validate(con: duckdb.DuckDBPyConnection, entity: contract.Entity) -> None:
    """Add an error column to the landing table: the first problem of each row, or null."""
    checks: list[tuple[str, str, str, str]] = []  # (condition, column, error type, message)
    for column in entity.columns:
        problem = _problem(column)
        if problem:
            condition, error_type = problem
            message = f"'column {column.name}: expected {column.expected}, got ' || {_quoted(column.name)}"
            checks.append((condition, column.name, error_type, message))
        if column.required:
            checks.append(
                (
                    f"{_value(column.name)} is null",
                    column.name,
                    "missing_required",
                    f"'column {column.name}: a value is required, found it empty'",
                )
            )
    if not checks:
        con.execute(f"alter table {LANDING} add column _error struct(col varchar, kind varchar, msg varchar)")
        return
    cases = " ".join(
        f"when {cond} then {{'col': '{col}', 'kind': '{kind}', 'msg': {msg}}}" for cond, col, kind, msg in checks
    )
    con.execute(
        f"create or replace temp table {LANDING} as select *, case {cases} else null end as _error from {LANDING}"
    )


def _quoted(name: str) -> str:
    return f"'''' || left(\"{name}\", 60) || ''''"


def _split(con: duckdb.DuckDBPyConnection, bf: BatchFile, batch_id: str, loaded_at: datetime) -> tuple[int, int]:
    """Insert sound rows into the raw table and the rest into quarantine; returns (loaded, quarantined)."""
    entity = bf.entity
    key = ", ".join(f'"{k}"' for k in entity.primary_key)
    # Duplicates are judged among otherwise sound rows: the first occurrence in the file wins.
    con.execute(
        f"create or replace temp table {LANDING} as select *, "
        f"case when _error is null then row_number() over (partition by _error is null, {key} "
        f"order by _source_line) end as _occurrence, "
        f"case when _error is null then min(_source_line) over (partition by _error is null, {key}) end "
        f"as _first_line from {LANDING}"
    )
    # the record as CSV again, quoted like `_raw_line` quotes the rows rejected before landing
    raw_fields = " || ',' || ".join(_csv_field_sql(c) for c in entity.column_names)
    con.execute(
        f"insert into {QUARANTINE_STAGE} "
        f"select _source_line, _error.col, _error.kind, _error.msg, left({raw_fields}, {RAW_LINE_LIMIT}) "
        f"from {LANDING} where _error is not null "
        f"union all "
        f"select _source_line, '{entity.primary_key[0]}', 'duplicate_key', "
        f"'duplicate key ({', '.join(entity.primary_key)}) first seen at line ' || _first_line, "
        f"left({raw_fields}, {RAW_LINE_LIMIT}) "
        f"from {LANDING} where _error is null and _occurrence > 1"
    )
    typed = ", ".join(f"{_typed(c)} as {c.name}" for c in entity.columns)
    loaded = con.execute(
        f"insert into {entity.qualified_table} "
        f"select {typed}, ?, ?, _source_line, ? from {LANDING} "
        f"where _error is null and _occurrence = 1 order by _source_line",
        [batch_id, bf.relative, loaded_at],
    ).fetchone()[0]
    quarantined = con.execute(
        f"insert into {contract.RAW_SCHEMA}._quarantine "
        f"select ?, ?, line_number, column_name, error_type, reason, raw_line, ? "
        f"from {QUARANTINE_STAGE} order by line_number",
        [batch_id, bf.relative, loaded_at],
    ).fetchone()[0]
    return loaded, quarantined


# ---------------------------------------------------------------------------------------------
# Loading batches
# ---------------------------------------------------------------------------------------------


def load_file(
    con: duckdb.DuckDBPyConnection,
    bf: BatchFile,
    batch_id: str,
    loaded_at: datetime,
    timezone: str,
) -> FileResult:
    """Land, validate and split one file inside the caller's transaction."""
    result = FileResult(batch_id, bf.relative, bf.entity.system, bf.entity.name)
    _create_landing(con, bf.entity)
    if bf.path.suffix == ".csv":
        result.rows_read, result.notes = _land_csv(con, bf)
    else:
        result.rows_read, result.notes = _land_parquet(con, bf)
    con.execute(f"set TimeZone = '{timezone}'")
    try:
        _validate(con, bf.entity)
        result.rows_loaded, result.rows_quarantined = _split(con, bf, batch_id, loaded_at)
    finally:
        con.execute("set TimeZone = 'UTC'")
    return result


def _delete_batch(con: duckdb.DuckDBPyConnection, batch_id: str) -> None:
    for entity in contract.entities().values():
        con.execute(f"delete from {entity.qualified_table} where _batch_id = ?", [batch_id])
    for table, column in (("_quarantine", "batch_id"), ("_load_log", "batch_id"), ("_batches", "batch_id")):
        con.execute(f"delete from {contract.RAW_SCHEMA}.{table} where {column} = ?", [batch_id])


def _record(con: duckdb.DuckDBPyConnection, result: BatchResult, hashes: dict[str, str], loaded_at: datetime) -> None:
    for fr in result.files:
        con.execute(
            f"insert into {contract.RAW_SCHEMA}._load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                fr.batch_id,
                fr.source_file,
                fr.system,
                fr.entity,
                hashes[fr.source_file.split("/", 1)[1]],
                fr.rows_read,
                fr.rows_loaded,
                fr.rows_quarantined,
                fr.manifest_rows,
                fr.is_reconciled,
                "; ".join(fr.notes) or None,
                loaded_at,
            ],
        )
    con.execute(
        f"insert into {contract.RAW_SCHEMA}._batches values (?, ?, ?, ?, ?, ?, ?)",
        [
            result.batch_id,
            fingerprint(hashes),
            len(result.files),
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            loaded_at,
        ],
    )


def loaded_fingerprint(con: duckdb.DuckDBPyConnection, batch_id: str) -> str | None:
    row = con.execute(
        f"select fingerprint from {contract.RAW_SCHEMA}._batches where batch_id = ?", [batch_id]
    ).fetchone()
    return row[0] if row else None


def load_batch(
    con: duckdb.DuckDBPyConnection,
    batch_dir: Path,
    *,
    timezone: str,
    force: bool = False,
    progress: Progress | None = None,
) -> BatchResult:
    """Load one batch atomically. Unchanged deliveries are skipped; a re-delivery replaces the old one."""
    batch_id = batch_dir.name
    _check_date(batch_id, batch_dir)
    files = plan_batch(batch_dir)
    manifest = read_manifest(batch_dir, files)
    hashes = file_hashes(batch_dir, files)
    previous = loaded_fingerprint(con, batch_id)
    if previous == fingerprint(hashes) and not force:
        return BatchResult(batch_id, "unchanged")
    result = BatchResult(batch_id, "loaded" if previous is None else "replaced")
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    con.execute("begin transaction")
    try:
        _delete_batch(con, batch_id)
        for done, bf in enumerate(files, start=1):
            fr = load_file(con, bf, batch_id, loaded_at, timezone)
            fr.manifest_rows = manifest.get(bf.relative.split("/", 1)[1])
            if fr.rows_read != fr.rows_loaded + fr.rows_quarantined:
                raise ContractError(
                    f"{bf.relative}: read {fr.rows_read} rows but loaded {fr.rows_loaded} and quarantined "
                    f"{fr.rows_quarantined}; refusing to lose rows"
                )
            if fr.manifest_rows is not None and fr.manifest_rows != fr.rows_read:
                raise ContractError(
                    f"{bf.relative}: the manifest lists {fr.manifest_rows} rows but the file holds "
                    f"{fr.rows_read} data rows; the delivery is incomplete or the manifest is wrong"
                )
            result.files.append(fr)
            if progress:
                progress(bf.relative, done, len(files))
        _record(con, result, hashes, loaded_at)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return result


def select_batches(root: Path, selection: list[str] | None = None) -> list[Path]:
    """All batch folders, or only those named in `selection` (batch ids, or `FROM..TO` ranges)."""
    batches = discover_batches(root)
    if not selection:
        return batches
    chosen: list[Path] = []
    for item in selection:
        low, dots, high = item.partition("..")
        for bound in (low, high):
            if bound:
                _check_date(bound, root)
        if dots:
            matched = [b for b in batches if (not low or b.name >= low) and (not high or b.name <= high)]
        else:
            matched = [b for b in batches if b.name == low]
        if not matched:
            raise ContractError(f"batch selection '{item}': no such batch under {root}")
        chosen += [b for b in matched if b not in chosen]
    return sorted(chosen)


def pending_batches(con: duckdb.DuckDBPyConnection, batches: list[Path]) -> list[Path]:
    """Batches never loaded, or whose files changed since they were loaded."""
    pending = []
    for batch_dir in batches:
        previous = loaded_fingerprint(con, batch_dir.name)
        if previous != fingerprint(file_hashes(batch_dir, plan_batch(batch_dir))):
            pending.append(batch_dir)
    return pending
