"""Write-audit-publish on real runs of the pipeline, in the order an operator would live them.

One warehouse goes through: a first publication; a bad batch that the raw audit blocks while a
reader keeps reading; a run killed while dbt builds; a recovering run that publishes while a reader
holds the old file open; a re-run that has nothing new; a rebuild from scratch that gives identical
marts while a second run is refused; and a rollback. Each step checks the published database, which
is what analysts and BI read.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import mart_checksums
import pytest

from funnel import demo, generate, publish
from funnel import settings as config

pytestmark = [pytest.mark.prefect, pytest.mark.dbt]

ROOT = Path(__file__).resolve().parent.parent
FIRST_BATCHES = 12  # of the demo's 18


def _mart_snapshot(db_path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            f"where table_schema in ({', '.join(repr(s) for s in publish.MART_SCHEMAS)}) order by 1"
        ).fetchall()
        return {t: con.execute(f"select * from {t} order by all").fetchall() for (t,) in tables}


def _funnel(*args: str, warehouse: Path, timeout: float = 900, **popen) -> subprocess.CompletedProcess:
    env = {**os.environ, "FUNNEL_WAREHOUSE": str(warehouse)}
    command = [str(Path(sys.executable).with_name("funnel")), *args]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, **popen)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("wap")
    source = root / "generated"
    generate.generate(source, **demo.DEMO_ARGS)
    batches = sorted(p.name for p in source.iterdir() if p.is_dir())
    extracts = root / "extracts"
    extracts.mkdir()
    for batch in batches[:FIRST_BATCHES]:
        shutil.copytree(source / batch, extracts / batch)
    return {
        "root": root,
        "source": source,
        "extracts": extracts,
        "batches": batches,
        "warehouse": root / "warehouse",
        "settings": config.load(root / "warehouse"),
    }


def test_1_a_first_run_publishes(world):
    done = _funnel("run", "--extracts", str(world["extracts"]), warehouse=world["warehouse"])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    first = publish.current(world["settings"])
    assert first is not None and first.batches == world["batches"][:FIRST_BATCHES]
    world["first"] = first
    world["first_marts"] = _mart_snapshot(publish.published_db(world["settings"]))
    assert world["first_marts"]["conversion.funnel_conversion"], "the published funnel is empty"
    parquet = publish.published_dir(world["settings"]) / "parquet" / "conversion" / "funnel_conversion.parquet"
    with duckdb.connect() as con:
        assert con.execute(f"select count(*) from '{parquet}'").fetchone()[0] == len(
            world["first_marts"]["conversion.funnel_conversion"]
        )


def test_2_a_bad_batch_is_blocked_and_the_publication_stays_readable(world, sell_in_an_unknown_store):
    bad = world["batches"][FIRST_BATCHES]
    shutil.copytree(world["source"] / bad, world["extracts"] / bad)
    sell_in_an_unknown_store(world["extracts"] / bad)

    reader = duckdb.connect(str(publish.published_db(world["settings"])), read_only=True)
    done = _funnel("run", "--extracts", str(world["extracts"]), warehouse=world["warehouse"])

    assert done.returncode == 3, done.stdout[-3000:] + done.stderr[-3000:]
    assert "the raw audit failed; nothing was published" in done.stderr
    assert "store_id values exist in pos/stores" in done.stderr
    assert publish.current(world["settings"]).id == world["first"].id
    assert reader.execute("select count(*) from conversion.funnel_conversion").fetchone()[0] == len(
        world["first_marts"]["conversion.funnel_conversion"]
    )
    reader.close()
    assert _mart_snapshot(publish.published_db(world["settings"])) == world["first_marts"]
    world["bad"] = bad


def test_3_a_run_killed_while_dbt_builds_leaves_the_publication_intact(world):
    bad = world["bad"]
    shutil.rmtree(world["extracts"] / bad)
    shutil.copytree(world["source"] / bad, world["extracts"] / bad)  # the source re-delivers it fixed
    env = {**os.environ, "FUNNEL_WAREHOUSE": str(world["warehouse"])}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("funnel")), "run", "--extracts", str(world["extracts"])],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline and not _dbt_is_building(process.pid):
            assert process.poll() is None, "the run ended before dbt started"
            time.sleep(0.5)
        assert _dbt_is_building(process.pid), "dbt never started"
        time.sleep(8)  # well inside the build
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert publish.current(world["settings"]).id == world["first"].id
    assert _mart_snapshot(publish.published_db(world["settings"])) == world["first_marts"]


def _dbt_is_building(pid: int) -> bool:
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            session = os.getsid(int(proc.name))
        except (OSError, ProcessLookupError):
            continue
        if session == pid and any(part.endswith(b"/dbt") for part in cmdline) and b"build" in cmdline:
            return True
    return False


def test_4_the_next_run_recovers_and_publishes_while_a_reader_holds_the_old_file(world):
    reader = duckdb.connect(str(publish.published_db(world["settings"])), read_only=True)
    before = reader.execute("select count(*) from conversion.fct_lead_funnel_steps").fetchone()[0]

    done = _funnel("run", "--extracts", str(world["extracts"]), warehouse=world["warehouse"])

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    second = publish.current(world["settings"])
    assert second.id != world["first"].id
    assert second.batches == world["batches"][: FIRST_BATCHES + 1]
    # the open reader still sees the publication it opened, whole
    assert reader.execute("select count(*) from conversion.fct_lead_funnel_steps").fetchone()[0] == before
    reader.close()
    world["second"] = second
    world["second_marts"] = _mart_snapshot(publish.published_db(world["settings"]))
    world["second_checksums"] = mart_checksums.mart_checksums(publish.published_db(world["settings"]))
    assert world["second_marts"] != world["first_marts"]


def test_5_a_rerun_gives_identical_marts_and_a_concurrent_run_is_refused(world):
    # a plain re-run has nothing new: it says so in seconds and publishes nothing
    done = _funnel("run", "--extracts", str(world["extracts"]), warehouse=world["warehouse"], timeout=120)
    assert done.returncode == 0 and "nothing new" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    assert publish.current(world["settings"]).id == world["second"].id
    # a forced rebuild from scratch gives the same marts, and holds the warehouse while it runs
    env = {**os.environ, "FUNNEL_WAREHOUSE": str(world["warehouse"])}
    command = [
        str(Path(sys.executable).with_name("funnel")),
        *("run", "--extracts", str(world["extracts"]), "--full-refresh"),
    ]
    first = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(20)  # past Prefect's start-up: the first run holds the lock by now
    second = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    out, err = first.communicate(timeout=900)

    assert first.returncode == 0, out[-3000:] + err[-3000:]
    assert second.returncode == 4, second.stdout[-2000:] + second.stderr[-2000:]
    assert "another run holds the warehouse" in second.stderr
    third = publish.current(world["settings"])
    assert third.id != world["second"].id
    # the same content, less which run made a row and the last bits of summed doubles (see mart_checksums)
    rebuilt = mart_checksums.mart_checksums(publish.published_db(world["settings"]))
    assert not mart_checksums.differences(world["second_checksums"], rebuilt)


def test_6_rollback_restores_the_previous_publication(world):
    done = _funnel("rollback", warehouse=world["warehouse"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert publish.current(world["settings"]).id == world["second"].id
    done = _funnel("rollback", "--to", world["first"].id, warehouse=world["warehouse"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert publish.current(world["settings"]).id == world["first"].id
    assert _mart_snapshot(publish.published_db(world["settings"])) == world["first_marts"]
    status = _funnel("status", warehouse=world["warehouse"])
    assert world["first"].id in status.stdout and "validate_marts" in status.stdout
