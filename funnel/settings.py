"""Every setting comes from the environment (or the command line); nothing is hard-coded elsewhere."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    warehouse_dir: Path
    timezone: str
    memory_limit: str

    @property
    def db_path(self) -> Path:
        """The database the pipeline writes (raw, staging and marts)."""
        return self.warehouse_dir / "funnel.duckdb"

    @property
    def temp_dir(self) -> Path:
        return self.warehouse_dir / "tmp"


def load(warehouse: str | os.PathLike | None = None) -> Settings:
    """Settings from arguments first, then FUNNEL_* environment variables, then defaults."""
    return Settings(
        warehouse_dir=Path(warehouse or os.environ.get("FUNNEL_WAREHOUSE", "warehouse")).resolve(),
        timezone=os.environ.get("FUNNEL_TIMEZONE", "Europe/Budapest"),
        memory_limit=os.environ.get("FUNNEL_MEMORY_LIMIT", "4GB"),
    )
