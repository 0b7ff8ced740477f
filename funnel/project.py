"""Facts about the dbt project that Python needs, read from `dbt_project.yml` where they live."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT = PROJECT_ROOT / "dbt_project.yml"
VOCABULARIES = PROJECT_ROOT / "seeds" / "vocabularies"


@cache
def dbt_project() -> dict[str, Any]:
    return yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8"))


@cache
def mart_schemas() -> tuple[str, ...]:
    """The schemas of the marts (what is published), as `models: marts:` configures them."""
    project = dbt_project()
    marts = project["models"][project["name"]]["marts"]
    return tuple(config["+schema"] for config in marts.values() if isinstance(config, dict) and "+schema" in config)


@cache
def call_outcomes() -> tuple[str, ...]:
    """The warehouse's call outcomes, in the order of the seed `activity_outcomes` (activity_kind `call`)."""
    with (VOCABULARIES / "activity_outcomes.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(row["outcome"] for row in csv.DictReader(handle) if row["activity_kind"] == "call")
