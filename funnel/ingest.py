"""Load dated batch folders of CSV or Parquet extracts into the raw schema of the warehouse.

A batch is `<root>/<YYYY-MM-DD>/<system>/<entity>.csv|.parquet`. Each batch loads in one
transaction: readers see all of it or none of it. Every data record read ends up either in its raw
table (with batch, file and line) or in `raw._quarantine` (with the line, column and reason), and
`raw._load_log` records read = loaded + quarantined per file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from funnel import contract, landing
from funnel.landing import ContractError

Progress = Callable[[str, int, int], None]


class BatchSelectionError(ValueError):
    """A `--batch` selection that names no batch, or is not a batch id or range."""


__all__ = [
    "BatchResult",
    "BatchSelectionError",
    "ContractError",
    "FileResult",
    "check_extracts",
    "load_batch",
    "pending_batches",
    "select_batches",
]


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
        raise BatchSelectionError(f"{root}: the extracts folder does not exist")
    batches = []
    for child in sorted(root.iterdir()):
        if child.name.startswith(("_", ".")):
            continue
        if not child.is_dir() or not contract.BATCH_ID_PATTERN.match(child.name):
            raise ContractError(f"{child}: not a batch folder; expected folders named by extract date (YYYY-MM-DD)")
        _check_date(child.name, child)
        batches.append(child)
    return batches


def _is_date(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return False
    return bool(contract.BATCH_ID_PATTERN.match(text))


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
            entity = contract.find_entity(system_dir.name, path.stem)
            if path.suffix not in contract.FORMATS or entity is None:
                known = sorted(e.name for e in entities.values() if e.system == system_dir.name)
                raise ContractError(
                    f"{relative}: not in the extract contract; expected <entity>.csv or "
                    f"<entity>.parquet with entity one of {', '.join(known)}"
                )
            if entity.key in planned:
                raise ContractError(
                    f"{relative}: {entity.key} is delivered twice in this batch "
                    f"(also {planned[entity.key].relative}); expected one file per entity"
                )
            planned[entity.key] = BatchFile(entity, path, relative)
    if not planned:
        raise ContractError(f"{batch_id}: the batch folder holds no extract files")
    return list(planned.values())


@dataclass(frozen=True)
class ManifestEntry:
    rows: int | None
    options: landing.FileOptions


def read_manifest(batch_dir: Path, files: list[BatchFile]) -> dict[str, ManifestEntry]:
    """What `_manifest.json` says of each file (rows, encoding, delimiter), keyed by path inside the batch."""
    path = batch_dir / "_manifest.json"
    if not path.exists():
        return {}
    where = f"{batch_dir.name}/_manifest.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        entries = {
            str(f["path"]): ManifestEntry(
                rows=int(f["rows"]) if f.get("rows") is not None else None,
                options=landing.FileOptions(encoding=f.get("encoding"), delimiter=f.get("delimiter")),
            )
            for f in doc["files"]
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ContractError(
            f"{where}: unreadable manifest ({exc}); expected "
            '{"files": [{"path": "crm/leads.csv", "rows": 1234, "encoding": "utf-8", "delimiter": ","}]}'
        ) from None
    present = {f.relative.split("/", 1)[1] for f in files}
    missing = sorted(set(entries) - present)
    if missing:
        raise ContractError(f"{where}: lists {', '.join(missing)}, which the batch does not contain")
    for inside, entry in entries.items():
        delimiter = entry.options.delimiter
        if delimiter is not None and len(delimiter) != 1:
            raise ContractError(f"{where}: delimiter {delimiter!r} of {inside}: expected one character")
    return entries


# Within one process a file is hashed once, however often its batch is planned and loaded.
_HASHES: dict[tuple[str, int, int], str] = {}


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def file_hashes(
    batch_dir: Path, files: list[BatchFile], recorded: dict[str, tuple[int, int, str]] | None = None
) -> dict[str, str]:
    """sha256 of every file of the batch (and of its manifest), keyed by path inside the batch.

    A file whose size and modification time equal those recorded when it was loaded keeps its
    recorded digest without being read again, as git and make do; `--force-reload` re-reads all.
    """
    paths = [f.path for f in files]
    if (batch_dir / "_manifest.json").exists():
        paths.append(batch_dir / "_manifest.json")
    hashes = {}
    for path in sorted(paths):
        inside = path.relative_to(batch_dir).as_posix()
        size, mtime = _stat(path)
        known = (recorded or {}).get(inside)
        if known is not None and known[:2] == (size, mtime):
            hashes[inside] = known[2]
            continue
        memo = (str(path.resolve()), size, mtime)
        if memo not in _HASHES:
            _HASHES[memo] = _file_sha256(path)
        hashes[inside] = _HASHES[memo]
    return hashes


def recorded_files(con: duckdb.DuckDBPyConnection, batch_id: str) -> dict[str, tuple[int, int, str]]:
    """(size, modification time, sha256) of the files of a batch as they were when it was loaded."""
    rows = con.execute(
        f"select path, size_bytes, modified_ns, sha256 from {contract.RAW_SCHEMA}._files where batch_id = ?",
        [batch_id],
    ).fetchall()
    return {path: (size, modified, digest) for path, size, modified, digest in rows}


def fingerprint(hashes: dict[str, str]) -> str:
    """One digest of all file names and contents: equal digests mean the same delivery."""
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_file(
    con: duckdb.DuckDBPyConnection,
    bf: BatchFile,
    batch_id: str,
    loaded_at: datetime,
    timezone: str,
    workdir: Path,
    options: landing.FileOptions | None = None,
) -> FileResult:
    """Load one file into its raw table inside the caller's transaction (see funnel.landing)."""
    loaded = landing.load_file(con, bf, batch_id, loaded_at, timezone, workdir, options)
    result = FileResult(batch_id, bf.relative, bf.entity.system, bf.entity.name)
    result.rows_read, result.rows_loaded, result.rows_quarantined = (
        loaded.rows_read,
        loaded.rows_loaded,
        loaded.rows_quarantined,
    )
    result.notes = loaded.notes
    return result


def _delete_batch(con: duckdb.DuckDBPyConnection, batch_id: str) -> None:
    for entity in contract.entities().values():
        con.execute(f"delete from {entity.qualified_table} where _batch_id = ?", [batch_id])
    for table in ("_quarantine", "_load_log", "_batches", "_files"):
        con.execute(f"delete from {contract.RAW_SCHEMA}.{table} where batch_id = ?", [batch_id])


def _record(
    con: duckdb.DuckDBPyConnection, batch_dir: Path, result: BatchResult, hashes: dict[str, str], loaded_at: datetime
) -> None:
    files = [[result.batch_id, inside, *_stat(batch_dir / inside), digest] for inside, digest in hashes.items()]
    placeholders = ", ".join(["(?, ?, ?, ?, ?)"] * len(files))
    con.execute(f"insert into {contract.RAW_SCHEMA}._files values {placeholders}", [v for f in files for v in f])
    rows = [
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
        ]
        for fr in result.files
    ]
    if rows:  # one statement for the whole batch: statements are what a small batch pays for
        placeholders = ", ".join(["(" + ", ".join(["?"] * len(rows[0])) + ")"] * len(rows))
        con.execute(f"insert into {contract.RAW_SCHEMA}._load_log values {placeholders}", [v for r in rows for v in r])
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
    workdir: Path | None = None,
) -> BatchResult:
    """Load one batch atomically. Unchanged deliveries are skipped; a re-delivery replaces the old one.

    `workdir` holds temporary copies of files that need transcoding or repair (default: the system's).
    """
    batch_id = batch_dir.name
    _check_date(batch_id, batch_dir)
    files = plan_batch(batch_dir)
    manifest = read_manifest(batch_dir, files)
    hashes = file_hashes(batch_dir, files, None if force else recorded_files(con, batch_id))
    workdir = workdir or Path(tempfile.gettempdir())
    workdir.mkdir(parents=True, exist_ok=True)
    previous = loaded_fingerprint(con, batch_id)
    if previous == fingerprint(hashes) and not force:
        return BatchResult(batch_id, "unchanged")
    result = BatchResult(batch_id, "loaded" if previous is None else "replaced")
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    con.execute("begin transaction")
    con.execute(f"set TimeZone = '{timezone}'")  # naive timestamps in the extracts are wall-clock time there
    try:
        if previous is not None:
            _delete_batch(con, batch_id)
        for done, bf in enumerate(files, start=1):
            entry = manifest.get(bf.relative.split("/", 1)[1])
            fr = load_file(con, bf, batch_id, loaded_at, timezone, workdir, entry.options if entry else None)
            fr.manifest_rows = entry.rows if entry else None
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
        _record(con, batch_dir, result, hashes, loaded_at)
        con.execute("commit")
    except BaseException:
        _roll_back(con)
        raise
    finally:
        with contextlib.suppress(duckdb.Error):  # a connection broken by the failure must not hide it
            con.execute("set TimeZone = 'UTC'")
            landing.forget(con)
    return result


def _roll_back(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, unless the failure (a commit on a full disk, say) already ended the transaction."""
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("rollback")


def select_batches(root: Path, selection: list[str] | None = None) -> list[Path]:
    """All batch folders, or only those named in `selection` (batch ids, or `FROM..TO` ranges)."""
    batches = discover_batches(root)
    if not selection:
        return batches
    chosen: list[Path] = []
    for item in selection:
        low, dots, high = item.partition("..")
        for bound in (low, high):
            if bound and not _is_date(bound):
                raise BatchSelectionError(
                    f"batch selection '{item}': expected a batch id (YYYY-MM-DD) or a range FROM..TO of them"
                )
        if dots:
            matched = [b for b in batches if (not low or b.name >= low) and (not high or b.name <= high)]
        else:
            matched = [b for b in batches if b.name == low]
        if not matched:
            raise BatchSelectionError(f"batch selection '{item}': no such batch under {root}")
        chosen += [b for b in matched if b not in chosen]
    return sorted(chosen)


def pending_batches(con: duckdb.DuckDBPyConnection, batches: list[Path]) -> list[Path]:
    """Batches never loaded, or whose files changed since they were loaded."""
    pending = []
    for batch_dir in batches:
        previous = loaded_fingerprint(con, batch_dir.name)
        hashes = file_hashes(batch_dir, plan_batch(batch_dir), recorded_files(con, batch_dir.name))
        if previous != fingerprint(hashes):
            pending.append(batch_dir)
    return pending


def check_extracts(root: Path, selection: list[str] | None = None) -> list[Path]:
    """The selected batches, each checked against the contract without reading its rows.

    Fast enough to run before anything is started (it reads headers only): a wrong folder, a bad
    selection, a file outside the contract or a missing column is reported in a second, not after
    a server has started.
    """
    batches = select_batches(root, selection)
    for batch_dir in batches:
        files = plan_batch(batch_dir)
        manifest = read_manifest(batch_dir, files)
        for bf in files:
            entry = manifest.get(bf.relative.split("/", 1)[1])
            landing.check_header(bf, entry.options if entry else None)
    return batches
