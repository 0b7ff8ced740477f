"""Choosing the engine: settings and command-line checks that answer in a second, before any JVM starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from funnel import changes
from funnel import settings as config


@pytest.fixture(autouse=True)
def _no_engine_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FUNNEL_ENGINE", "FUNNEL_DBT_TARGET", "FUNNEL_SPARK_MASTER"):
        monkeypatch.delenv(name, raising=False)


def test_the_dbt_target_alone_picks_its_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.load(tmp_path).engine == "duckdb"
    assert config.load(tmp_path).target == "duckdb"
    monkeypatch.setenv("FUNNEL_DBT_TARGET", "spark")
    settings = config.load(tmp_path)
    assert (settings.engine, settings.target) == ("spark", "spark")
    assert settings.origins["engine"] == settings.origins["dbt_target"]
    remote = config.load(tmp_path, {"dbt_target": "spark_thrift"})
    assert (remote.engine, remote.target) == ("spark", "spark_thrift")


def test_an_engine_and_a_target_that_disagree_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNNEL_DBT_TARGET", "spark")
    with pytest.raises(config.SettingError, match=r"target spark is a spark target; use a duckdb target or --engine"):
        config.load(tmp_path, {"engine": "duckdb"})
    with pytest.raises(config.SettingError, match=r"expected a target of .*profiles.yml \(duckdb, spark, "):
        config.load(tmp_path, {"dbt_target": "snowflake"})
    with pytest.raises(config.SettingError, match="expected one of duckdb, spark"):
        config.load(tmp_path, {"engine": "flink"})


@pytest.mark.parametrize(
    "master", ["spark://10.0.0.5:7077", "spark://a:7077,b:7077", "local[2]", "yarn", "k8s://h:443"]
)
def test_spark_master_urls_are_accepted(tmp_path: Path, master: str) -> None:
    assert config.load(tmp_path, {"spark_master": master}).spark_master == master


@pytest.mark.parametrize("master", ["http://10.0.0.5:8080", "spark://host", "local[2]; rm -rf /"])
def test_other_master_urls_are_refused(tmp_path: Path, master: str) -> None:
    with pytest.raises(config.SettingError, match="expected a Spark master URL"):
        config.load(tmp_path, {"spark_master": master})


def test_a_build_on_another_engine_is_another_build(tmp_path: Path) -> None:
    duck = changes.build_fingerprint(config.load(tmp_path))
    spark = changes.build_fingerprint(config.load(tmp_path, {"engine": "spark"}))
    assert duck != spark
    assert duck == changes.build_fingerprint(config.load(tmp_path))


def _funnel_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "funnel.cli", "run", "--warehouse", str(tmp_path / "wh"), *args]
    env = {k: v for k, v in os.environ.items() if k not in ("FUNNEL_DBT_TARGET", "FUNNEL_SPARK_MASTER")}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_start_cluster_without_spark_is_a_usage_error_before_anything_runs(tmp_path: Path) -> None:
    result = _funnel_run(tmp_path, "--start-cluster")
    assert result.returncode == 2
    assert "--start-cluster starts a Spark cluster: it goes with --engine spark" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "wh" / "funnel.duckdb").exists()


def test_spark_without_a_master_says_how_to_get_one(tmp_path: Path) -> None:
    result = _funnel_run(tmp_path, "--engine", "spark")
    assert result.returncode == 2
    assert "engine spark needs a Spark master: pass --start-cluster" in result.stderr
    assert not (tmp_path / "wh" / "funnel.duckdb").exists()
