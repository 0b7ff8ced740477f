"""Shared fixtures: a throw-away warehouse and a helper that writes batch folders by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import flows  # noqa: F401 - sets Prefect's defaults (flows/__init__.py) before any test imports Prefect
from funnel import settings as config
from funnel import warehouse


@pytest.fixture
def wh_settings(tmp_path: Path) -> config.Settings:
    return config.Settings(warehouse_dir=tmp_path / "warehouse", timezone="Europe/Budapest", memory_limit="1GB")


@pytest.fixture
def con(wh_settings: config.Settings):
    connection = warehouse.connect(wh_settings)
    warehouse.ensure_raw_schema(connection)
    yield connection
    connection.close()


def write_batch(root: Path, batch_id: str, files: dict[str, str | bytes], manifest: dict | None = None) -> Path:
    """Write `{"crm/users.csv": text}` files into `<root>/<batch_id>/`; returns the batch folder."""
    batch = root / batch_id
    for relative, content in files.items():
        path = batch / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        path.write_bytes(data)
    if manifest is not None:
        (batch / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return batch


def _sell_in_an_unknown_store(batch: Path) -> None:
    """Poison a batch for the raw audit: every receipt sold in a store nobody knows; its manifest goes."""
    receipts = batch / "pos" / "receipts.csv"
    with receipts.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    store = rows[0].index("store_id")
    for row in rows[1:]:
        row[store] = "S-UNKNOWN"
    with receipts.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    (batch / "_manifest.json").unlink(missing_ok=True)


@pytest.fixture
def sell_in_an_unknown_store():
    return _sell_in_an_unknown_store


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """Generate the demo extracts and run the whole pipeline once for the session.

    Returns (generator summary, pipeline report, build database path, extracts folder).
    """
    from flows.pipeline import pipeline
    from funnel import demo, generate

    root = tmp_path_factory.mktemp("demo")
    extracts = root / "extracts"
    summary = generate.generate(extracts, **demo.DEMO_ARGS)
    report = pipeline(str(extracts), str(root / "warehouse"))
    return summary, report, Path(report.db_path), extracts


@pytest.fixture
def batch_writer(tmp_path: Path):
    root = tmp_path / "extracts"

    def write(batch_id: str, files: dict[str, str | bytes], manifest: dict | None = None) -> Path:
        return write_batch(root, batch_id, files, manifest)

    write.root = root  # type: ignore[attr-defined]
    return write


def pytest_addoption(parser):
    parser.addoption(
        "--record-mart-checksums",
        action="store_true",
        default=False,
        help="write the demo build's mart checksums to tests/mart_checksums.json (an intended change of marts)",
    )
