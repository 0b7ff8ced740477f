"""The raw extract contract, read from the dbt sources YAML so that loader and dbt never disagree."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCES_GLOB = "models/staging/*/_*__sources.yml"
RAW_SCHEMA = "raw"
FORMATS = (".csv", ".parquet")
BATCH_ID_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# What a value of each contract type must look like, in words for error messages.
TYPE_WORDS = {
    "varchar": "text",
    "integer": "a whole number",
    "boolean": "true or false",
    "date": "an ISO-8601 date (YYYY-MM-DD)",
    "timestamp": "an ISO-8601 timestamp (YYYY-MM-DD HH:MM:SS, optional UTC offset)",
}


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    required: bool
    description: str

    @property
    def expected(self) -> str:
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

    @property
    def key(self) -> str:
        return f"{self.system}/{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def qualified_table(self) -> str:
        return f"{RAW_SCHEMA}.{self.raw_table}"


def _parse(path: Path) -> list[Entity]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    entities = []
    for source in doc["sources"]:
        for table in source["tables"]:
            meta = table.get("config", {}).get("meta", {})
            columns = tuple(
                Column(
                    name=col["name"],
                    data_type=col["data_type"],
                    required=bool(col.get("config", {}).get("meta", {}).get("required", False)),
                    description=" ".join(str(col.get("description", "")).split()),
                )
                for col in table["columns"]
            )
            entities.append(
                Entity(
                    system=source["name"],
                    name=table["name"],
                    raw_table=table["identifier"],
                    description=" ".join(str(table.get("description", "")).split()),
                    columns=columns,
                    primary_key=tuple(meta["primary_key"]),
                    delivery=meta["delivery"],
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


def entity(system: str, name: str) -> Entity:
    try:
        return entities()[f"{system}/{name}"]
    except KeyError:
        known = ", ".join(sorted(entities()))
        raise KeyError(f"{system}/{name} is not in the extract contract; known entities: {known}") from None
