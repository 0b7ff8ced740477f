"""Publishing swaps the database file, the Parquet files and the report together, with one rename."""

from __future__ import annotations

import os

import duckdb

from funnel import publish
from funnel import settings as config


def _build_db(settings: config.Settings, leads: int) -> None:
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute("create schema if not exists raw")
        con.execute("create or replace table raw._batches (batch_id varchar, fingerprint varchar)")
        con.execute("insert into raw._batches values ('2026-01-07', 'f1')")
        for schema in publish.MART_SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
        con.execute(f"create or replace table attraction.leads_count as select {leads} as leads")


def test_a_publication_is_one_folder_and_published_is_one_symlink_to_it(tmp_path):
    settings = config.Settings(tmp_path / "warehouse", "Europe/Budapest", "1GB")
    _build_db(settings, 10)
    first = publish.publish(settings, publish.build_publication(settings, run_id="r1"), keep=5)
    link = publish.published_dir(settings)
    assert link.is_symlink() and link.resolve() == first.path.resolve()
    assert {p.name for p in first.path.iterdir()} == {"funnel.duckdb", "parquet", "publication.json", "report.html"}
    assert first.batch_fingerprints == {"2026-01-07": "f1"} and first.batches == ["2026-01-07"]
    reader = duckdb.connect(str(publish.published_db(settings)), read_only=True)

    _build_db(settings, 20)
    second = publish.publish(settings, publish.build_publication(settings, run_id="r2"), keep=5)

    # everything a new reader opens comes from the second publication
    assert publish.current(settings).id == second.id
    with duckdb.connect(str(publish.published_db(settings)), read_only=True) as fresh:
        assert fresh.execute("select leads from attraction.leads_count").fetchone() == (20,)
    parquet = link / "parquet" / "attraction" / "leads_count.parquet"
    with duckdb.connect() as con:
        assert con.execute(f"select leads from '{parquet}'").fetchone() == (20,)
    assert second.id in (link / "report.html").read_text(encoding="utf-8")
    # a reader that opened the first keeps reading it
    assert reader.execute("select leads from attraction.leads_count").fetchone() == (10,)
    reader.close()

    restored = publish.rollback(settings)
    assert restored.id == first.id and publish.current(settings).id == first.id
    assert not any(p.name.endswith(".tmp") for p in settings.warehouse_dir.iterdir())


def test_only_the_newest_publications_are_kept_and_never_the_current_one(tmp_path):
    settings = config.Settings(tmp_path / "warehouse", "Europe/Budapest", "1GB")
    ids = []
    for leads in range(4):
        _build_db(settings, leads)
        ids.append(publish.publish(settings, publish.build_publication(settings, run_id=f"r{leads}"), keep=2).id)
    assert [p.id for p in publish.history(settings)] == ids[:1:-1]
    publish.rollback(settings, ids[2])
    _build_db(settings, 9)
    publish.build_publication(settings, run_id="unpublished")  # built, never published: it is not current
    publish.prune(settings, keep=1)
    kept = [p.id for p in publish.history(settings)]
    assert ids[2] in kept, "the current publication was pruned"


def test_a_warehouse_published_before_symlinks_moves_to_the_new_layout(tmp_path):
    settings = config.Settings(tmp_path / "warehouse", "Europe/Budapest", "1GB")
    old = publish.published_dir(settings)
    old.mkdir(parents=True)
    (old / "funnel.duckdb").write_bytes(b"old")
    _build_db(settings, 1)
    new = publish.publish(settings, publish.build_publication(settings, run_id="r1"))
    assert old.is_symlink() and os.path.realpath(old) == str(new.path.resolve())
