"""The local standalone cluster: real master and worker processes, and nothing left behind, whatever happens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from funnel import settings as config
from funnel import spark_cluster


def _spark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> spark_cluster.SparkSettings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return spark_cluster.load_settings(config.Settings(tmp_path / "wh", "UTC", "1GB"))


def _daemons_of(spark: spark_cluster.SparkSettings) -> list[int]:
    """Every process on the machine started with this cluster's SPARK_CONF_DIR, found independently of the state."""
    marker = f"SPARK_CONF_DIR={spark.cluster_dir / 'conf'}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes() and (entry / "stat").read_text().split()[2] != "Z":
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    return found


def test_settings_are_checked_before_anything_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(spark_cluster.SparkClusterError, match="FUNNEL_SPARK_WORKER_MEMORY='lots'"):
        _spark(tmp_path, monkeypatch, FUNNEL_SPARK_WORKER_MEMORY="lots")
    with pytest.raises(spark_cluster.SparkClusterError, match="FUNNEL_SPARK_WORKERS='0'"):
        _spark(tmp_path, monkeypatch, FUNNEL_SPARK_WORKERS="0")


def test_stop_never_signals_a_process_that_is_not_a_daemon_of_this_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spark = _spark(tmp_path, monkeypatch)
    spark.cluster_dir.mkdir(parents=True)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        spark_cluster.ClusterState("spark://x", "http://x", {"master": bystander.pid}, 0.0, 0.0).save(spark.state_path)
        assert spark_cluster.stop(spark, echo=None) == 0
        assert bystander.poll() is None
        assert not spark.state_path.exists()
    finally:
        bystander.kill()
        bystander.wait()


@pytest.mark.spark
def test_a_master_and_two_workers_start_register_and_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spark = _spark(tmp_path, monkeypatch, FUNNEL_SPARK_WORKER_MEMORY="512m")
    try:
        state = spark_cluster.start(spark, echo=None)
        current = spark_cluster.status(spark)
        assert current.running and current.alive_workers == 2 and current.cores == 2
        assert current.memory_mb == 2 * 512
        assert set(state.pids) == {"master", "worker-1", "worker-2"}
        assert sorted(_daemons_of(spark)) == sorted(state.pids.values())
        doc = spark_cluster.master_json(state.master_ui_url)
        assert doc is not None and [w["state"] for w in doc["workers"]] == ["ALIVE", "ALIVE"]
        # A second start finds the running cluster instead of starting another one.
        assert spark_cluster.start(spark, echo=None).pids == state.pids
        assert (spark.log_dir / "master.log").read_text().count("Registering worker") == 2
    finally:
        stopped = spark_cluster.stop(spark, echo=None)
    assert stopped == 3
    assert _daemons_of(spark) == []
    assert not spark_cluster.status(spark).running


@pytest.mark.spark
def test_a_start_that_times_out_stops_every_process_it_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spark = _spark(tmp_path, monkeypatch, FUNNEL_SPARK_START_TIMEOUT="2")
    with pytest.raises(spark_cluster.SparkClusterError, match="after 2 s"):
        spark_cluster.start(spark, echo=None)
    assert _daemons_of(spark) == []
    assert not spark.state_path.exists()


def test_the_command_line_reports_a_cluster_that_is_not_running(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "funnel.spark_cluster", "status", "--warehouse", str(tmp_path / "wh")],
        capture_output=True,
        text=True,
        env=os.environ | {"FUNNEL_SPARK_WORKERS": "2"},
    )
    assert result.returncode == 1
    assert '"running": false' in result.stdout
