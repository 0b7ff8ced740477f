"""Read one CSV extract into a typed landing table with DuckDB's native reader, losing no line.

DuckDB's `read_csv` types values as fast as the disk delivers them, and with `strict_mode` and
`store_rejects` it reports a bad value or a line with too many or too few fields with its record
number. On hostile files it is not enough on its own (measured here, DuckDB 2.0): one unbalanced
quote swallows every line after it, a NUL byte is kept, and a line with bytes that are not UTF-8
breaks the count. So a file goes through a scan first:

1. **Encoding.** A declared encoding (the manifest's `"encoding"`) or a UTF-16 byte-order mark is
   transcoded to UTF-8, line for line. An undeclared file that is mostly not UTF-8 is refused,
   with the encoding it most likely is.
2. **Scan** at the speed of bytes operations, with no Python work per line: a file that is valid
   UTF-8, holds no NUL byte and no blank line, and leaves no quote open at a line's end has one
   record per line, and DuckDB reads it as it is.
3. **Repair**, only for a file that failed the scan: a line-by-line pass quarantines each line
   that cannot be a record (bytes that are not UTF-8, a NUL byte, a quote never closed), keeps a
   record that legitimately spans lines (a quoted value with a line break), drops blank lines and
   writes the rest to a copy for DuckDB. Reading goes on at the next line.
4. **Read** with explicit column types. DuckDB rejects a value that does not cast, or a line with
   the wrong number of fields, by its record number; the rest come back in file order, numbered.

The scan knows the physical line each record starts on, so every row read and every line
rejected is mapped back to its line in the extract as delivered (header = line 1).
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

CHUNK_BYTES = 32 << 20
RAW_TEXT_LIMIT = 2_000  # characters of a quarantined line kept for inspection
MAX_RECORD_LINES = 200  # a quoted value may span this many lines before its quote counts as unbalanced
DELIMITERS = (",", ";", "\t", "|")
UNDECODABLE_SHARE = 0.5  # above this share of undecodable lines, the whole file is refused
MAX_LINE_BYTES = 64 << 20

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class FileRefused(Exception):
    """The file as a whole cannot be read as declared; the message names the file and what to do."""


@dataclass(frozen=True)
class Reject:
    line: int
    column: str | None
    kind: str
    reason: str
    raw: str


@dataclass
class CsvFile:
    """One CSV extract: how to read it, and how the records DuckDB reads map to its lines."""

    source: Path  # the extract as delivered
    relative: str  # "<batch>/<system>/<file>", as errors and lineage name it
    text: Path  # the extract as UTF-8 with its own line numbering: the source, or a transcoded copy
    encoding: str
    delimiter: str
    header: list[str]
    read: Path | None = None  # the file DuckDB reads: `text`, or a repaired copy of it
    records: int = 0  # data records in the extract (blank lines are not records)
    runs: list[tuple[int, int, int]] = field(default_factory=list)  # (first record read, its line, count)
    multiline: dict[int, int] = field(default_factory=dict)  # first line -> last line of a spanning record
    rejects: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    temp_files: list[Path] = field(default_factory=list)
    rewrite: bool = False  # the repaired copy re-quotes every record (DuckDB refused the lenient copy)

    @property
    def records_to_read(self) -> int:
        return self.records - len(self.rejects)

    def line_of_record(self, index: int) -> int:
        """The physical line where record `index` (0-based, in the file DuckDB reads) starts."""
        position = bisect.bisect_right([run[0] for run in self.runs], index) - 1
        first, line, _ = self.runs[position]
        return line + index - first

    def cleanup(self) -> None:
        for path in self.temp_files:
            path.unlink(missing_ok=True)


def clip(text: str) -> str:
    return text[:RAW_TEXT_LIMIT]


def _shown(raw: bytes) -> str:
    """A line as text for people: undecodable bytes shown as U+FFFD, NUL as \\0."""
    return clip(raw.decode("utf-8", "replace").replace("\x00", "\\0"))


def _guess_encoding(path: Path) -> str:
    from charset_normalizer import from_bytes

    with path.open("rb") as handle:
        best = from_bytes(handle.read(1 << 16)).best()
    return best.encoding if best is not None else "an 8-bit code page such as cp1252 or cp1251"


def _declare_hint(relative: str, guess: str) -> str:
    inside = relative.split("/", 1)[1]
    return f'declare it in _manifest.json as {{"path": "{inside}", "encoding": "{guess}"}}'


def _transcode(path: Path, encoding: str, workdir: Path) -> Path:
    """Copy `path` to UTF-8. Bytes the encoding cannot decode stay undecodable, so that the scan
    quarantines their lines rather than guessing."""
    handle, name = tempfile.mkstemp(prefix="transcoded-", suffix=".csv", dir=workdir)
    target = Path(name)
    decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
    with path.open("rb") as source, open(handle, "wb") as sink:
        while block := source.read(CHUNK_BYTES):
            sink.write(decoder.decode(block).encode("utf-8", "surrogateescape"))
        sink.write(decoder.decode(b"", final=True).encode("utf-8", "surrogateescape"))
    return target


def fields(text: str, delimiter: str) -> list[str]:
    return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False), [])


def _choose_delimiter(header_line: str, wanted: set[str]) -> str:
    """The delimiter that splits the header into the most contract columns (then the most fields)."""

    def score(delimiter: str) -> tuple[int, int]:
        names = [name.strip().lower() for name in fields(header_line, delimiter)]
        return len(wanted.intersection(names)), len(names)

    return max(DELIMITERS, key=score)


@dataclass(frozen=True)
class Header:
    encoding: str
    delimiter: str
    names: list[str]
    notes: list[str]


def read_header(
    path: Path, relative: str, wanted_columns: set[str], encoding: str | None = None, delimiter: str | None = None
) -> Header:
    """The encoding, delimiter and column names of a CSV file, from its first bytes only."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if not head:
        raise FileRefused(f"{relative}: empty file; expected a header row")
    notes: list[str] = []
    chosen = encoding
    if chosen is None:
        chosen = next((name for bom, name in _BOMS if head.startswith(bom)), "utf-8")
        if chosen == "utf-16":
            notes.append("read as UTF-16 (byte-order mark)")
    else:
        notes.append(f"read as {chosen} (declared in the manifest)")
    try:
        codecs.lookup(chosen)
    except LookupError:
        raise FileRefused(f"{relative}: unknown encoding '{chosen}' declared in the manifest") from None
    text = codecs.getincrementaldecoder(chosen)(errors="surrogateescape").decode(head)  # a cut tail is fine
    first = text.removeprefix("\ufeff").split("\n", 1)[0].rstrip("\r")
    try:
        first.encode("utf-8")
    except UnicodeEncodeError:
        guess = _guess_encoding(path)
        raise FileRefused(
            f"{relative}: line 1 (the header) is not valid {chosen}; the file looks like {guess}: "
            f"{_declare_hint(relative, guess)}"
        ) from None
    chosen_delimiter = delimiter or _choose_delimiter(first, wanted_columns)
    if chosen_delimiter != ",":
        notes.append(f"delimiter {chosen_delimiter!r}")
    return Header(chosen, chosen_delimiter, fields(first, chosen_delimiter), notes)


def open_file(
    path: Path,
    relative: str,
    wanted_columns: set[str],
    workdir: Path,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> CsvFile:
    """Read the header, and make a UTF-8 copy of a file in another encoding; refuse what cannot be read."""
    header = read_header(path, relative, wanted_columns, encoding, delimiter)
    text, temp_files = path, []
    if codecs.lookup(header.encoding).name not in ("utf-8", "utf-8-sig"):
        text = _transcode(path, header.encoding, workdir)
        temp_files.append(text)
    return CsvFile(
        source=path,
        relative=relative,
        text=text,
        encoding=header.encoding,
        delimiter=header.delimiter,
        header=header.names,
        notes=list(header.notes),
        temp_files=temp_files,
    )


def _blocks(path: Path) -> Iterator[bytes]:
    """Blocks of whole lines, the header line included; the last line always ends with a newline."""
    with path.open("rb") as handle:
        carry = b""
        while block := handle.read(CHUNK_BYTES):
            block = carry + block
            cut = block.rfind(b"\n") + 1
            carry = block[cut:]
            if cut:
                yield block[:cut]
        if carry:
            yield carry + b"\n"


def _is_clean(body: bytes) -> bool:
    """One record per line: valid UTF-8, no NUL, no blank line, no quote left open at a line end."""
    if b"\x00" in body or body.startswith((b"\n", b"\r\n")) or b"\n\n" in body or b"\n\r\n" in body:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b'"' not in body or not any(line.count(b'"') & 1 for line in body.split(b"\n") if b'"' in line)


def scan(state: CsvFile) -> CsvFile:
    """Count the records, and read the file as it is when it is clean, else repair it (module doc)."""
    records = 0
    blocks = _blocks(state.text)
    current = next(blocks, None)
    first = True
    while current is not None:
        following = next(blocks, None)
        body = current.split(b"\n", 1)[1] if first else current
        first = False
        if following is None:  # blank lines at the very end are no records, and harmless
            body = body.rstrip(b"\r\n") + b"\n" if body.strip(b"\r\n") else b""
        if body and not _is_clean(body):
            return repair(state)
        records += body.count(b"\n")
        current = following
    state.records, state.read = records, state.text
    state.runs = [(0, 2, records)] if records else []
    return state


def _field_of(text: str, delimiter: str, header: list[str], predicate) -> str | None:
    """The header name of the first field satisfying `predicate` (a rough split is enough here)."""
    for name, value in zip(header, text.split(delimiter), strict=False):
        if predicate(value):
            return name.strip().lower()
    return None


def _undecodable_field(raw: bytes, delimiter: str, header: list[str]) -> str | None:
    for name, value in zip(header, raw.split(delimiter.encode()), strict=False):
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            return name.strip().lower()
    return None


def _strict_fields(record: bytes, delimiter: str) -> list[str] | None:
    """The fields of one record under RFC 4180, or None when it is not one well-formed record."""
    try:
        rows = list(csv.reader(io.StringIO(record.decode("utf-8"), newline=""), delimiter=delimiter, strict=True))
    except (csv.Error, UnicodeDecodeError):
        return None
    return rows[0] if len(rows) == 1 else None


def _quoted(values: list[str], delimiter: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="", quoting=csv.QUOTE_MINIMAL).writerow(values)
    return buffer.getvalue().encode("utf-8")


class _Lines:
    """The lines of a file with their numbers, where lines can be given back to be read again."""

    def __init__(self, handle) -> None:
        self._lines = enumerate(handle, start=1)
        self._back: list[tuple[int, bytes]] = []

    def next(self) -> tuple[int, bytes] | None:
        if self._back:
            return self._back.pop()
        item = next(self._lines, None)
        return None if item is None else (item[0], item[1].rstrip(b"\n").rstrip(b"\r"))

    def give_back(self, items: list[tuple[int, bytes]]) -> None:
        self._back.extend(reversed(items))


def repair(state: CsvFile, rewrite: bool = False) -> CsvFile:
    """Quarantine the lines that cannot be records and write the sound ones to a copy DuckDB reads.

    `rewrite` also checks every line as an RFC 4180 record and writes it re-quoted: the fallback
    for a file where DuckDB's strict reader refused something the lenient scan let through.
    """
    state.records, state.runs, state.multiline, state.rejects, state.rewrite = 0, [], {}, [], rewrite
    handle, name = tempfile.mkstemp(prefix="repaired-", suffix=".csv", dir=state.text.parent)
    target = Path(name)
    state.temp_files.append(target)
    delimiter, width = state.delimiter, len(state.header)
    kept = 0
    undecodable = 0

    def keep(line_no: int, record: bytes) -> None:
        nonlocal kept
        sink.write(record + b"\n")
        if state.runs and state.runs[-1][1] + state.runs[-1][2] == line_no:
            first, line, count = state.runs[-1]
            state.runs[-1] = (first, line, count + 1)
        else:
            state.runs.append((kept, line_no, 1))
        kept += 1

    def reject(line_no: int, column: str | None, kind: str, reason: str, raw: str) -> None:
        state.rejects.append(Reject(line_no, column, kind, reason, clip(raw)))

    with state.text.open("rb") as source, open(handle, "wb") as sink:
        lines = _Lines(source)
        header = lines.next()
        sink.write(header[1].removeprefix(codecs.BOM_UTF8) + b"\n")
        while (item := lines.next()) is not None:
            line_no, raw = item
            if not raw:
                continue
            state.records += 1
            if b"\x00" in raw:
                column = _field_of(raw.decode("utf-8", "replace"), delimiter, state.header, lambda v: "\x00" in v)
                reject(line_no, column, "nul_byte", "the line holds a NUL byte (shown as \\0)", _shown(raw))
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                undecodable += 1
                column = _undecodable_field(raw, delimiter, state.header)
                reject(line_no, column, "bad_encoding", f"bytes that are not valid {state.encoding}", _shown(raw))
                continue
            odd = text.count('"') % 2 == 1
            if not odd and not rewrite:
                keep(line_no, raw)
                continue
            parsed = _strict_fields(raw, delimiter)
            if parsed is not None:
                keep(line_no, _quoted(parsed, delimiter) if rewrite else raw)
                continue
            if not odd:  # only when rewriting: a line DuckDB's strict reader cannot read either
                found = len(fields(text, delimiter))
                kind, reason = (
                    ("column_count", f"expected {width} fields as in the header, found {found}")
                    if found != width
                    else ("malformed_quotes", 'text follows a closing quote; expected "..." then a delimiter')
                )
                reject(line_no, None, kind, reason, text)
                continue
            # An odd number of quotes opens a value that goes on over the next lines, or never closes.
            span = [(line_no, raw)]
            while len(span) < MAX_RECORD_LINES and (following := lines.next()) is not None:
                span.append(following)
                if following[1].count(b'"') % 2 == 1:
                    break
            record = b"\n".join(part for _, part in span)
            parsed = _strict_fields(record, delimiter) if len(span) > 1 else None
            if parsed is not None and len(parsed) == width:
                state.multiline[line_no] = span[-1][0]
                keep(line_no, _quoted(parsed, delimiter) if rewrite else record)
                continue
            # Not a record: quarantine the opening line only, and read on from the line after it.
            lines.give_back(span[1:])
            column = _field_of(text, delimiter, state.header, lambda v: v.count('"') % 2 == 1)
            reason = 'a quote (") opens a value that is never closed; expected "..." with "" for a quote inside'
            reject(line_no, column, "unbalanced_quote", reason, text)
    state.read = target
    _judge_encoding(state, undecodable)
    return state


def _judge_encoding(state: CsvFile, undecodable: int) -> None:
    """Refuse a file that is mostly undecodable; otherwise say which encoding it might be."""
    if not undecodable:
        return
    guess = _guess_encoding(state.text)
    if undecodable > UNDECODABLE_SHARE * state.records:
        read_as = "" if state.text == state.source else f" as {state.encoding}"
        raise FileRefused(
            f"{state.relative}: {undecodable} of {state.records} lines cannot be read{read_as}; the file looks "
            f"like {guess}: {_declare_hint(state.relative, guess)}"
        )
    state.notes.append(f"{undecodable} line(s) are not valid {state.encoding}; if the file is {guess}, declare it")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read(
    con: duckdb.DuckDBPyConnection, state: CsvFile, types: list[str], sql: Callable[[str], str]
) -> tuple[int, list[tuple]]:
    """Run `sql(<a read_csv(...) with ordinality of the file, its columns c0.. typed as types>)`.

    Returns the rows the statement reports (a count, for an insert or a create) and DuckDB's
    rejects as (record index in the file read, column position or None, error type, message,
    the record's text), one per record. The scan's own rejects are in `state.rejects`.
    """
    assert state.read is not None
    columns = ", ".join(f"'c{i}': '{dtype}'" for i, dtype in enumerate(types))
    # the parallel reader cannot follow a quoted value over a line break from the middle of a file
    parallel = "false" if state.multiline else "true"
    read_csv = (
        f"read_csv({_sql_text(str(state.read))}, columns = {{{columns}}}, header = true, "
        f"auto_detect = false, delim = {_sql_text(state.delimiter)}, quote = '\"', escape = '\"', "
        f"strict_mode = true, max_line_size = {MAX_LINE_BYTES}, parallel = {parallel}, "
        f"store_rejects = true, rejects_table = '_csv_rejects', rejects_scan = '_csv_scans') with ordinality"
    )
    count = con.execute(sql(read_csv)).fetchone()[0]
    rejected = []
    if count < state.records_to_read:  # DuckDB keeps the rejects of every scan of the session: take this one's
        # one per record: a wrong number of fields first (the casts fail because of it), then the first cast
        rejected = con.execute(
            "with ranked as (select *, row_number() over (partition by line order by "
            "error_type not in ('MISSING COLUMNS', 'TOO MANY COLUMNS'), coalesce(byte_position, 0)) as rank "
            "from _csv_rejects where scan_id = (select max(scan_id) from _csv_scans)) "
            "select line - 2, try_cast(substr(column_name, 2) as integer), error_type, error_message, csv_line "
            "from ranked where rank = 1 order by line"
        ).fetchall()
    if count + len(rejected) != state.records_to_read:
        raise RuntimeError(
            f"{state.relative}: DuckDB read {count} records and rejected {len(rejected)}, where the scan found "
            f"{state.records_to_read}; refusing to load lines at the wrong place"
        )
    return count, rejected


def accepted_runs(state: CsvFile, rejected_records: list[int], read: int) -> list[tuple[int, int, int]]:
    """(first ordinality, its physical line, count) runs for the records DuckDB returned.

    The records read are numbered 1.. in file order, skipping the ones DuckDB rejected; each run
    is a stretch of consecutive ordinalities on consecutive lines of the extract.
    """
    runs: list[tuple[int, int, int]] = []
    ordinality, record = 1, 0
    skips = iter(sorted(rejected_records) + [read + len(rejected_records)])
    for skip in skips:
        while record < skip:
            count = skip - record
            # split at the scan's runs, where lines stop being consecutive
            position = bisect.bisect_right([r[0] for r in state.runs], record) - 1
            first, line, length = state.runs[position]
            count = min(count, first + length - record)
            start_line = line + record - first
            if runs and runs[-1][1] + runs[-1][2] == start_line and runs[-1][0] + runs[-1][2] == ordinality:
                runs[-1] = (runs[-1][0], runs[-1][1], runs[-1][2] + count)
            else:
                runs.append((ordinality, start_line, count))
            ordinality += count
            record += count
        record = skip + 1
    return runs


def raw_lines(state: CsvFile, wanted: set[int]) -> dict[int, str]:
    """The text of the records starting on `wanted` lines, as delivered (UTF-8), for the quarantine."""
    found: dict[int, str] = {}
    if not wanted:
        return found
    last = max(state.multiline.get(line, line) for line in wanted)
    collecting: tuple[int, int, list[bytes]] | None = None
    with state.text.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if collecting is None and line_no in wanted:
                collecting = (line_no, state.multiline.get(line_no, line_no), [])
            if collecting is not None:
                start, end, parts = collecting
                parts.append(raw.rstrip(b"\n").rstrip(b"\r"))
                if line_no >= end:
                    found[start] = _shown(b"\n".join(parts).removeprefix(codecs.BOM_UTF8))
                    collecting = None
            if line_no >= last and collecting is None:
                break
    return found


def forget_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the rejects DuckDB kept for this session's scans."""
    con.execute("drop table if exists _csv_rejects; drop table if exists _csv_scans")
