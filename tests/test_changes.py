"""A run knows, before it starts anything, whether anything changed since the current publication."""

from __future__ import annotations

import duckdb

from funnel import changes, ingest, publish, warehouse
from funnel import settings as config

TRAFFIC = "store_id,traffic_date,hour,visitors\nS1,2026-01-05,9,12\n"


def _published_world(tmp_path, batch_writer):
    settings = config.Settings(tmp_path / "warehouse", "Europe/Budapest", "1GB")
    batch_writer("2026-01-07", {"pos/store_traffic.csv": TRAFFIC})
    with warehouse.connect(settings) as con:
        warehouse.ensure_raw_schema(con)
        for batch in ingest.discover_batches(batch_writer.root):
            ingest.load_batch(con, batch, timezone=settings.timezone)
        con.execute("create schema attraction")
        con.execute("create table attraction.t as select 1 as x")
    publication = publish.build_publication(
        settings, run_id="r1", build_fingerprint=changes.build_fingerprint(settings)
    )
    publish.publish(settings, publication)
    return settings


def test_nothing_new_when_the_publication_holds_every_batch_with_the_same_build(tmp_path, batch_writer):
    settings = _published_world(tmp_path, batch_writer)
    reason = changes.nothing_new(settings, batch_writer.root, None)
    assert reason is not None and reason.startswith("nothing new: publication ")
    assert "every batch up to 2026-01-07" in reason


def test_a_new_batch_is_work(tmp_path, batch_writer):
    settings = _published_world(tmp_path, batch_writer)
    batch_writer("2026-01-14", {"pos/store_traffic.csv": TRAFFIC})
    assert changes.nothing_new(settings, batch_writer.root, None) is None


def test_a_redelivered_batch_is_work(tmp_path, batch_writer):
    settings = _published_world(tmp_path, batch_writer)
    (batch_writer.root / "2026-01-07" / "pos" / "store_traffic.csv").write_text(TRAFFIC + "S1,2026-01-05,10,3\n")
    assert changes.nothing_new(settings, batch_writer.root, None) is None


def test_another_setting_is_work(tmp_path, batch_writer):
    settings = _published_world(tmp_path, batch_writer)
    other = config.load(settings.warehouse_dir, {"conversion_window_days": "30"})
    assert changes.nothing_new(other, batch_writer.root, None) is None


def test_a_batch_loaded_but_never_published_is_work(tmp_path, batch_writer):
    settings = _published_world(tmp_path, batch_writer)
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute("insert into raw._batches values ('2026-01-14', 'x', 0, 0, 0, 0, now())")
    assert changes.nothing_new(settings, batch_writer.root, None) is None


def test_the_build_fingerprint_follows_the_project_and_the_settings(monkeypatch, tmp_path):
    settings = config.load(tmp_path / "warehouse")
    assert changes.build_fingerprint(settings) == changes.build_fingerprint(config.load(tmp_path / "warehouse"))
    assert changes.build_fingerprint(settings) != changes.build_fingerprint(
        config.load(tmp_path / "warehouse", {"hot_share_max": "0.2"})
    )
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "a.sql").write_text("select 1", encoding="utf-8")
    monkeypatch.setattr(changes, "PROJECT_ROOT", project)
    monkeypatch.setattr(changes, "BUILD_INPUTS", ("models",))
    before = changes.build_fingerprint(settings)
    (project / "models" / "a.sql").write_text("select 2", encoding="utf-8")
    assert changes.build_fingerprint(settings) != before
