"""Dirty mode: malformed rows injected after clean ones, each with exactly one defect, counted per kind and file.

The injector draws from its own random stream, so the clean rows of a dirty run are byte-identical to a
clean run's, and each malformed row gets a key no real row has, so that only its defect quarantines it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from funnel import contract
from funnel.generate.values import ts

DIRTY_KINDS = ("column_count", "bad_encoding", "bad_date", "bad_number", "missing_required", "duplicate_key")
PARQUET_DIRTY_KINDS = ("missing_required", "duplicate_key")

# Dirty values that no reasonable date, timestamp or number parser accepts.
BAD_DATES = ("2026-13-45", "2026-02-30", "2026-10-3X", "{d}/{m}/{y}")
BAD_TIMESTAMPS = ("2026-13-45 10:00:00", "2026-02-30 09:15:00", "{d}/{m}/{y} 10:00", "2026-10-31 25:61:00")
BAD_NUMBERS = ("12,50", "abc", "1.2.3", "12 500", "N/A")
FRESH_CURRENCIES = (
    "GBP", "CHF", "PLN", "CZK", "RON", "SEK", "NOK", "DKK", "JPY", "CNY", "CAD", "AUD", "TRY", "RSD",
    "BGN", "UAH", "ISK", "NZD", "SGD", "HKD",
)  # fmt: skip
# A private-use character stands for the invalid bytes until the row is encoded.
BAD_BYTES_MARK = "\ue000"
BAD_BYTES = b"\xff\xfe"


@dataclass(frozen=True)
class _Spec:
    """What the dirt injector needs to know about an entity's columns."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    pk: tuple[int, ...]
    required: tuple[int, ...]
    fresh: int  # the key column that gets a fresh value in malformed rows

    @classmethod
    def of(cls, entity: contract.Entity) -> _Spec:
        names = tuple(entity.column_names)
        types = tuple(c.data_type for c in entity.columns)
        pk = tuple(names.index(c) for c in entity.primary_key)
        required = tuple(i for i, c in enumerate(entity.columns) if c.required)
        ids = [i for i in pk if names[i].endswith("_id")]
        texts = [i for i in pk if types[i] == "varchar"]
        return cls(names, types, pk, required, (ids or texts or list(pk))[0])

    def cols(self, test: Callable[[str], bool], key_ok: bool = True) -> list[int]:
        """Columns whose type passes `test`, non-key ones first choice, key ones only as a fallback."""
        plain = [i for i, t in enumerate(self.types) if test(t) and i not in self.pk]
        if plain or not key_ok:
            return plain
        return [i for i, t in enumerate(self.types) if test(t) and i in self.pk and i != self.fresh]


def _is_date(t: str) -> bool:
    return t in ("date", "timestamp")


def _is_number(t: str) -> bool:
    return t == "integer" or t.startswith("decimal")


class DirtyRun:
    """Run-wide state of malformed-row injection: its own random stream, fresh keys, counts."""

    def __init__(self, rate: float, seed: int, fmt: str):
        self.rate, self.fmt = rate, fmt
        self.rng = random.Random(f"{seed}:dirty")
        self.kinds = DIRTY_KINDS if fmt == "csv" else PARQUET_DIRTY_KINDS
        self.by_kind = dict.fromkeys(DIRTY_KINDS, 0)
        self.by_file: dict[str, dict[str, int]] = {}
        self.fresh_numbers: dict[str, int] = defaultdict(int)
        self.final = False  # set for the last batch, where kinds not yet seen are forced in

    def for_file(self, file_key: str, entity: contract.Entity) -> Dirt:
        return Dirt(self, file_key, _Spec.of(entity))

    def report(self) -> dict:
        return {"total": sum(self.by_kind.values()), "by_kind": self.by_kind, "by_file": self.by_file}


class Dirt:
    """Adds round(rate × rows) malformed rows to one file, each with exactly one defect."""

    def __init__(self, run: DirtyRun, file_key: str, spec: _Spec):
        self.run, self.file_key, self.spec = run, file_key, spec
        self.acc = 0.5  # so that the count is round(rate × rows)
        self.last: tuple[str, ...] | None = None
        self.fresh_currencies = 0
        self.kinds = [k for k in run.kinds if self._applies(k)]

    def _applies(self, kind: str) -> bool:
        spec = self.spec
        return {
            "column_count": True,
            "bad_encoding": bool(spec.cols(lambda t: t == "varchar")) or spec.types[spec.fresh] == "varchar",
            "bad_date": bool(spec.cols(_is_date)),
            "bad_number": bool(spec.cols(_is_number)),
            "missing_required": bool([i for i in spec.required if i != spec.fresh]),
            "duplicate_key": len(spec.pk) < len(spec.columns),
        }[kind]

    def after(self, row: tuple[str, ...]) -> list[list[str | None]]:
        """Malformed rows to write after this clean row (usually none)."""
        self.last = row
        self.acc += self.run.rate
        bad = []
        while self.acc >= 1 and self.kinds:
            self.acc -= 1
            least = min(self.run.by_kind[k] for k in self.kinds)
            kind = self.run.rng.choice([k for k in self.kinds if self.run.by_kind[k] == least])
            bad.append(self._make(kind))
        return bad

    def finish(self) -> list[list[str | None]]:
        """In the last batch: one row of every applicable kind that the whole run has not seen yet."""
        if not self.run.final or self.last is None:
            return []
        return [self._make(k) for k in self.kinds if self.run.by_kind[k] == 0]

    def _make(self, kind: str) -> list[str | None]:
        run, spec, rng = self.run, self.spec, self.run.rng
        run.by_kind[kind] += 1
        per_file = run.by_file.setdefault(self.file_key, {})
        per_file[kind] = per_file.get(kind, 0) + 1
        row: list[str | None] = list(self.last or ())
        if kind == "duplicate_key":
            column = self._duplicate_column()
            row[column] = _other_value(row[column] or "", spec.types[column])
            return row
        self._freshen(row)
        if kind == "column_count":
            return row + ["n/a"] if rng.random() < 0.5 else row[:-1]
        if kind == "bad_encoding":
            column = rng.choice(spec.cols(lambda t: t == "varchar") or [spec.fresh])
            value = row[column] or "n"
            cut = rng.randint(1, len(value))
            row[column] = value[:cut] + BAD_BYTES_MARK + value[cut:]
        elif kind == "bad_date":
            column = rng.choice(spec.cols(_is_date))
            template = rng.choice(BAD_TIMESTAMPS if spec.types[column] == "timestamp" else BAD_DATES)
            y, m, d = (row[column] or "2026-10-31")[:10].split("-")
            row[column] = template.format(y=y, m=m, d=d)
        elif kind == "bad_number":
            row[rng.choice(spec.cols(_is_number))] = rng.choice(BAD_NUMBERS)
        elif kind == "missing_required":
            plain = [i for i in spec.required if i not in spec.pk]
            row[rng.choice(plain or [i for i in spec.required if i != spec.fresh])] = "" if run.fmt == "csv" else None
        return row

    def _freshen(self, row: list[str | None]) -> None:
        """Give the row a key that no real row has, so only its defect gets it quarantined."""
        spec, run = self.spec, self.run
        name = spec.columns[spec.fresh]
        if name == "currency":  # (rate_date, currency): a currency the file does not have on that day
            self.fresh_currencies += 1
            row[spec.fresh] = FRESH_CURRENCIES[(self.fresh_currencies - 1) % len(FRESH_CURRENCIES)]
        else:  # ids: the real prefix, then an X no real id has
            prefix = "".join(c for c in (row[spec.fresh] or "") if c.isalpha())[:3] or name[:3].upper()
            run.fresh_numbers[name] += 1
            row[spec.fresh] = f"{prefix}X{run.fresh_numbers[name]:06d}"

    def _duplicate_column(self) -> int:
        spec = self.spec
        rest = [i for i in range(len(spec.columns)) if i not in spec.pk]
        for test in (lambda i: spec.columns[i] == "updated_at", lambda i: _is_number(spec.types[i])):
            found = [i for i in rest if test(i)]
            if found:
                return found[0]
        return rest[-1]


def _other_value(value: str, data_type: str) -> str:
    """A different but valid value of the same type (for a duplicate key whose other values differ)."""
    if data_type == "timestamp":
        base = datetime.fromisoformat(value) if value else datetime(2026, 1, 1, 12)
        return ts(base + timedelta(minutes=1))
    if data_type == "date":
        return ((date.fromisoformat(value) if value else date(2026, 1, 1)) + timedelta(days=1)).isoformat()
    if data_type == "integer":
        return str(int(value or 0) + 1)
    if data_type.startswith("decimal"):
        return str(Decimal(value or "0") + 1)
    if data_type == "boolean":
        return "false" if value == "true" else "true"
    return value + " (2)" if value else "n/a"
