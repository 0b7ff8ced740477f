"""The raw extract contract, read from the dbt sources YAML so that loader and dbt never disagree."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from funnel.project import dbt_project

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCES_GLOB = "models/staging/*/_*__sources.yml"
RAW_SCHEMA = "raw"
FORMATS = (".csv", ".parquet")
BATCH_ID_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# What a value of each contract type must look like, in words for error messages.
TYPE_WORDS = {
    "varchar": "text",
    "integer": "a whole number",
    "boolean": "true or false (also t/f, yes/no, y/n, 1/0)",
    "date": "an ISO-8601 date (YYYY-MM-DD)",
    "timestamp": "an ISO-8601 timestamp (YYYY-MM-DD HH:MM:SS, optional UTC offset)",
}


# Format tokens besides strptime patterns: how they read in messages.
FORMAT_WORDS = {
    "epoch_ms": "milliseconds since 1970-01-01 UTC",
    "iso": "ISO-8601 (YYYY-MM-DD HH:MM:SS, optional UTC offset)",
}


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    required: bool  # a value may not be empty
    description: str
    optional: bool = False  # the column may be absent from a file (then every value is empty)
    formats: tuple[str, ...] = ()  # strptime formats (or `epoch_ms`, `iso`) for a date or timestamp
    aliases: tuple[str, ...] = ()  # other header names that fill this column (lower case)
    collect: tuple[str, ...] = ()  # header patterns (`hs_date_entered_*`) gathered into one JSON object

    def collects(self, header_name: str) -> bool:
        """True when a header name (lower case) is one of the columns this JSON column gathers."""
        return any(fnmatch.fnmatchcase(header_name, pattern) for pattern in self.collect)

    @property
    def expected(self) -> str:
        if self.formats:
            shown = [FORMAT_WORDS.get(f, f) for f in self.formats]
            return f"a {self.data_type} written as {' or '.join(shown)}"
        if self.data_type.startswith("decimal"):
            return "a decimal number with a dot as decimal separator"
        return TYPE_WORDS[self.data_type]


@dataclass(frozen=True)
class Entity:
    system: str
    name: str
    raw_table: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    delivery: str  # changed_records | append_only
    export_hint: str = ""  # added to a refusal of a file of this source system: how to export it right

    @property
    def key(self) -> str:
        return f"{self.system}/{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def header_names(self) -> set[str]:
        """Every header name (lower case) that fills a contract column."""
        return {name for c in self.columns for name in (c.name, *c.aliases)}

    @property
    def qualified_table(self) -> str:
        return f"{RAW_SCHEMA}.{self.raw_table}"


def _column(col: dict) -> Column:
    meta = col.get("config", {}).get("meta", {})
    return Column(
        name=col["name"].lower(),
        data_type=col["data_type"],
        required=bool(meta.get("required", False)),
        description=" ".join(str(col.get("description", "")).split()),
        optional=bool(meta.get("optional", False)),
        formats=tuple(meta.get("formats", ())),
        aliases=tuple(str(alias).strip().lower() for alias in meta.get("aliases", ())),
        collect=tuple(str(pattern).lower() for pattern in meta.get("collect", ())),
    )


def _parse(path: Path) -> list[Entity]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    entities = []
    for source in doc["sources"]:
        hint = " ".join(str(source.get("config", {}).get("meta", {}).get("export_hint", "")).split())
        for table in source["tables"]:
            meta = table.get("config", {}).get("meta", {})
            columns = tuple(_column(col) for col in table["columns"])
            entities.append(
                Entity(
                    system=source["name"],
                    name=table["name"],
                    raw_table=table["identifier"],
                    description=" ".join(str(table.get("description", "")).split()),
                    columns=columns,
                    primary_key=tuple(meta["primary_key"]),
                    delivery=meta["delivery"],
                    export_hint=hint,
                )
            )
    return entities


@cache
def entities(root: Path = PROJECT_ROOT) -> dict[str, Entity]:
    """All contract entities keyed by `system/entity`, in the order the YAML declares them."""
    found: dict[str, Entity] = {}
    for path in sorted(root.glob(SOURCES_GLOB)):
        for entity in _parse(path):
            found[entity.key] = entity
    if not found:
        raise RuntimeError(f"no source definitions found under {root / SOURCES_GLOB}")
    return found


def find_entity(system: str, name: str) -> Entity | None:
    """The entity of a file `<system>/<name>.*`; file names match without regard to case (`Lead.csv`, `lead.csv`)."""
    wanted = f"{system}/{name}".lower()
    return next((found for key, found in entities().items() if key.lower() == wanted), None)


def entity(system: str, name: str) -> Entity:
    found = find_entity(system, name)
    if found is None:
        known = ", ".join(sorted(entities()))
        raise KeyError(f"{system}/{name} is not in the extract contract; known entities: {known}")
    return found


CONTRACT_DOC = PROJECT_ROOT / "docs" / "extract-contract.md"

_DOC_INTRO = """\
# The raw extract contract

For the people and systems that produce extracts for the sales-funnel warehouse. This page is
generated from the dbt source definitions (`models/staging/*/_*__sources.yml`) by
`funnel contract --write`; the loader reads the same files, so the page, the loader and dbt cannot
disagree. A test fails when this page is out of date.

## Layout

```
<root>/<YYYY-MM-DD>/<system>/<entity>.csv      (or .parquet)
<root>/<YYYY-MM-DD>/_manifest.json             (optional)
```

- One folder per extract date (the batch id). Folders whose names start with `_` or `.` are ignored;
  any other folder that is not a valid date stops the load with a message.
- `system` is `crm`, `pos` or `marketing`; `entity` is one of the tables below. A file of another
  name, or a second file for the same entity in one batch, stops the load.
- An entity with no changes in a batch may be absent.
- CSV: UTF-8 (a byte-order mark is accepted), comma-delimited, `"` quoting, one header row.
  Column order is free; every contract column must be present; extra columns are ignored and noted
  in the load log. Empty means null.
- Parquet: the same column names; values of any type that casts to the contract type.
- Dates are ISO-8601 `YYYY-MM-DD`. Timestamps are ISO-8601 `YYYY-MM-DD HH:MM:SS` (or with `T`,
  fractional seconds, `Z` or a `+HH:MM` offset). Naive timestamps are in the warehouse time zone
  (the setting `warehouse_timezone`, environment `FUNNEL_TIMEZONE`, default `<default zone>`); the
  warehouse stores UTC.
- Decimals use a dot and no thousands separator. Booleans are `true`/`false` (also `t`/`f`,
  `1`/`0`, `yes`/`no`, `y`/`n`).
- `_manifest.json`, when present, lists the files and their data-row counts (header excluded):
  `{"batch_id": "2026-01-07", "files": [{"path": "crm/leads.csv", "rows": 1234}]}`. The loader
  verifies every count and refuses a batch whose files do not match.

## Delivery semantics

- **changed records** (CRM entities; POS stores, products, customers): each batch holds the records
  created or changed since the previous extract. One record may have several versions across
  batches; the latest `updated_at` wins (then the later batch, then the later line).
- **append only** (POS receipts, receipt lines, store traffic; marketing spend, fx rates): each batch
  holds the business dates it covers. Re-delivering a batch (the same folder with other files)
  replaces the earlier delivery of that batch as a whole.

## What happens to a bad row

A row is quarantined, never dropped, when it has the wrong number of columns, bytes that are not
UTF-8, a value that does not parse to its column's type, an empty required value, or the same
primary key as an earlier row of the same file (the first one is kept). The good rows of the file
still load. `raw._quarantine` keeps the batch, file, line, column, the raw line and the reason;
`raw._load_log` records rows read, loaded and quarantined per file, and read = loaded +
quarantined always holds. A missing contract column, an unknown file or folder, or a manifest
mismatch stops the batch with a message naming the file, and nothing of that batch loads.

## Entities
"""


def render_markdown() -> str:
    """The contract page for extract producers, generated from the source definitions."""
    parts = [_DOC_INTRO.replace("<default zone>", dbt_project()["vars"]["warehouse_timezone"])]
    for entity in entities().values():
        delivery = "changed records" if entity.delivery == "changed_records" else "append only"
        parts.append(f"\n### `{entity.system}/{entity.name}`\n\n{entity.description}\n")
        parts.append(f"Primary key: `{', '.join(entity.primary_key)}`. Delivery: {delivery}.\n")
        parts.append("\n| column | type | required | description |\n|---|---|---|---|\n")
        for column in entity.columns:
            required = "yes" if column.required else ""
            description = column.description.replace("|", "\\|")
            parts.append(f"| `{column.name}` | {column.data_type} | {required} | {description} |\n")
    return "".join(parts)
