"""How rows reach the files: batches, the changed-records outbox, CSV and Parquet sinks, batch folders."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from funnel import contract
from funnel.generate.dirt import BAD_BYTES, BAD_BYTES_MARK, Dirt, DirtyRun

FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class Batch:
    batch_id: str
    first: date
    last: date

    def days(self) -> Iterator[date]:
        d = self.first
        while d <= self.last:
            yield d
            d += timedelta(days=1)


def plan_batches(start: date, end: date, batch_days: int, daily_tail: int = 0) -> list[Batch]:
    """Periods cut every `batch_days` days back from `end`, oldest first.

    The days before the first full period go into the first batch (the initial extract), so that no
    batch covers fewer than `batch_days` days and no batch looks like a sudden drop in volume.
    The last `daily_tail` days are one batch each: the daily deliveries that continue the rest.
    """
    if daily_tail:
        tail_start = end - timedelta(days=daily_tail - 1)
        head = plan_batches(start, tail_start - timedelta(days=1), batch_days) if tail_start > start else []
        days = [tail_start + timedelta(days=n) for n in range(daily_tail)]
        return head + [Batch(d.isoformat(), d, d) for d in days]
    lasts, last = [], end
    while last - timedelta(days=batch_days - 1) >= start:
        lasts.append(last)
        last -= timedelta(days=batch_days)
    lasts = lasts[::-1] or [end]
    firsts = [start] + [d + timedelta(days=1) for d in lasts[:-1]]
    return [Batch(b.isoformat(), a, b) for a, b in zip(firsts, lasts, strict=True)]


class Outbox:
    """Record versions of changed-records entities waiting for the batch of their `updated_at`.

    Only the latest version of a key is kept per batch, as an extract of changes would deliver it.
    Versions dated before the first day go into the first batch (its initial full extract); versions
    after the last day are dropped: they have not happened yet when the last extract is taken.
    """

    def __init__(self, batches: list[Batch], entities: dict[str, contract.Entity]):
        self.start, self.end = batches[0].first, batches[-1].last
        self._batch_of: list[int] = []
        for i, b in enumerate(batches):
            self._batch_of.extend([i] * ((b.last - b.first).days + 1))
        self._pk = {
            key: [e.column_names.index(c) for c in e.primary_key]
            for key, e in entities.items()
            if e.delivery == "changed_records"
        }
        self._buckets: dict[int, dict[str, dict[tuple, tuple[datetime, tuple[str, ...]]]]] = {}

    def batch_index(self, d: date) -> int | None:
        if d > self.end:
            return None
        return 0 if d < self.start else self._batch_of[(d - self.start).days]

    def put(self, key: str, when: datetime, row: tuple[str, ...]) -> None:
        index = self.batch_index(when.date())
        if index is None:
            return
        bucket = self._buckets.setdefault(index, {}).setdefault(key, {})
        pk = tuple(row[i] for i in self._pk[key])
        previous = bucket.get(pk)
        if previous is None or when >= previous[0]:
            bucket[pk] = (when, row)

    def take(self, index: int) -> dict[str, list[tuple[str, ...]]]:
        bucket = self._buckets.pop(index, {})
        return {key: [row for _, row in sorted(versions.values())] for key, versions in bucket.items()}


class _CsvSink:
    """One CSV file: header, clean rows, and malformed rows after them when dirty."""

    def __init__(self, path: Path, entity: contract.Entity, dirt: Dirt | None, header: Sequence[str] | None = None):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("wb")
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, lineterminator="\n")
        self._writer.writerow(header or entity.column_names)
        self._dirt = dirt
        self._marked = False
        self._pending = 0
        self.rows = 0

    def write(self, row: tuple[str, ...]) -> None:
        self._writer.writerow(row)
        self.rows += 1
        if self._dirt is not None:
            self._write_bad(self._dirt.after(row))
        self._pending += 1
        if self._pending >= 4096:
            self._flush()

    def _write_bad(self, rows: list[list[str | None]]) -> None:
        for bad in rows:
            self._writer.writerow(bad)
            self.rows += 1
            self._marked = self._marked or any(v and BAD_BYTES_MARK in v for v in bad)

    def _flush(self) -> None:
        data = self._buf.getvalue().encode("utf-8")
        if self._marked:
            data = data.replace(BAD_BYTES_MARK.encode("utf-8"), BAD_BYTES)
            self._marked = False
        self._file.write(data)
        self._buf.seek(0)
        self._buf.truncate()
        self._pending = 0

    def close(self) -> int:
        if self._dirt is not None:
            self._write_bad(self._dirt.finish())
        self._flush()
        self._file.close()
        return self.rows


class _ParquetSink:
    """One Parquet file with the contract's types, written in row groups."""

    GROUP_ROWS = 200_000

    def __init__(self, path: Path, entity: contract.Entity, dirt: Dirt | None):
        import pyarrow as pa

        path.parent.mkdir(parents=True, exist_ok=True)
        self._pa = pa
        self._path = path
        self._types = [_arrow_type(pa, c.data_type) for c in entity.columns]
        self._schema = pa.schema([(c.name, t) for c, t in zip(entity.columns, self._types, strict=True)])
        self._dirt = dirt
        self._rows: list[Sequence[str | None]] = []
        self._writer = None
        self.rows = 0

    def write(self, row: tuple[str, ...]) -> None:
        self._rows.append(row)
        if self._dirt is not None:
            self._rows.extend(self._dirt.after(row))
        if len(self._rows) >= self.GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow.parquet as pq

        pa = self._pa
        columns = list(zip(*self._rows, strict=True)) if self._rows else [[] for _ in self._types]
        arrays = [
            pa.array([v if v != "" else None for v in values], pa.string()).cast(t)
            for values, t in zip(columns, self._types, strict=True)
        ]
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._path, self._schema)
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))
        self.rows += len(self._rows)
        self._rows = []

    def close(self) -> int:
        if self._dirt is not None:
            self._rows.extend(self._dirt.finish())
        if self._rows or self._writer is None:
            self._flush()
        self._writer.close()
        return self.rows


def _arrow_type(pa, data_type: str):
    if data_type.startswith("decimal"):
        precision, scale = (int(x) for x in data_type[8:-1].split(","))
        return pa.decimal128(precision, scale)
    return {
        "varchar": pa.string(),
        "integer": pa.int64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
    }[data_type]


class BatchWriter:
    """Writes one batch into a hidden folder and renames it into place when complete."""

    def __init__(
        self,
        out: Path,
        batch: Batch,
        fmt: str,
        dirty: DirtyRun | None,
        headers: dict[str, Sequence[str]] | None = None,
    ):
        """`headers`: a vendor's own header per entity (CSV only), whose rows come in that order."""
        self.batch, self.fmt, self.dirty = batch, fmt, dirty
        self.headers = headers or {}
        self.final_dir = out / batch.batch_id
        self.dir = out / f".{batch.batch_id}.partial"
        self.dir.mkdir(parents=True)
        self.entities = contract.entities()
        self._sinks: dict[str, _CsvSink | _ParquetSink] = {}

    def write(self, key: str, row: tuple[str, ...]) -> None:
        sink = self._sinks.get(key)
        if sink is None:
            sink = self._sinks[key] = self._open(key)
        sink.write(row)

    def _open(self, key: str) -> _CsvSink | _ParquetSink:
        entity = self.entities[key]
        relative = f"{key}.{self.fmt}"
        dirt = self.dirty.for_file(f"{self.batch.batch_id}/{relative}", entity) if self.dirty else None
        if self.fmt == "csv":
            return _CsvSink(self.dir / relative, entity, dirt, self.headers.get(key))
        return _ParquetSink(self.dir / relative, entity, dirt)

    def close(self) -> dict[str, int]:
        counts = {key: self._sinks[key].close() for key in self.entities if key in self._sinks}
        manifest = {
            "batch_id": self.batch.batch_id,
            "files": [{"path": f"{key}.{self.fmt}", "rows": n} for key, n in counts.items()],
        }
        (self.dir / "_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        self.dir.rename(self.final_dir)
        return counts
