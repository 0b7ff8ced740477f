"""Failed runs on a real machine: one readable line, the right exit code, and a record in the run log."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from funnel import demo, generate, runlog
from funnel import settings as config

ROOT = Path(__file__).resolve().parent.parent
FUNNEL = str(Path(sys.executable).with_name("funnel"))


def _funnel(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FUNNEL, *args], env={**os.environ, **(env or {})}, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["run", "--as-of", "2026-02-30"], 2, "error: setting as_of_date: expected a date YYYY-MM-DD"),
        (["run", "--set", "conversion_window_days=0"], 2, "error: setting conversion_window_days: expected"),
        (["run", "--extracts", "/nonexistent"], 2, "error: /nonexistent: the extracts folder does not exist"),
        (["run", "--extracts", "{extracts}", "--batch", "garbage"], 2, "error: batch selection 'garbage': expected"),
        (["run", "--extracts", "{broken}"], 5, "error: the extracts break the contract: 2026-01-07/pos/stores.csv: "),
        (
            ["load", "--extracts", "{extracts}", "--batch", "2030-01-01"],
            2,
            "error: batch selection '2030-01-01': no such",
        ),
        (["run", "--frobnicate"], 2, "No such option: --frobnicate"),
    ],
)
def test_a_mistake_is_one_line_with_the_right_code_in_seconds_and_nothing_starts(tmp_path, args, code, message):
    extracts = tmp_path / "extracts"
    (extracts / "2026-01-07" / "pos").mkdir(parents=True)
    (extracts / "2026-01-07" / "pos" / "stores.csv").write_text("store_id,city\nS1,Pécs\n", encoding="utf-8")
    good = tmp_path / "good"
    (good / "2026-01-07" / "pos").mkdir(parents=True)
    (good / "2026-01-07" / "pos" / "store_traffic.csv").write_text(
        "store_id,traffic_date,hour,visitors\n", encoding="utf-8"
    )
    args = [a.format(extracts=good, broken=extracts) for a in args]
    started = time.monotonic()
    done = (
        _funnel(*args, "--warehouse", str(tmp_path / "warehouse"))
        if args[0] != "run" or "--frobnicate" not in args
        else _funnel(*args)
    )
    seconds = time.monotonic() - started
    assert done.returncode == code, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "Starting temporary server" not in done.stderr, "Prefect started for an error found in the arguments"
    assert seconds < 15


def _mount_small_disk(folder: Path, size: str) -> list[str]:
    """A command prefix that runs in a namespace where `folder` is a filesystem of `size` bytes."""
    script = f'mount -t tmpfs -o size={size} tmpfs {folder} && exec "$@"'
    prefix = (
        ["sh", "-c", script, "sh"]
        if os.geteuid() == 0
        else ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh"]
    )
    probe = subprocess.run(
        [*(["unshare", "--mount"] if os.geteuid() == 0 else []), *prefix, "true"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {probe.stderr.strip()}")
    return ["unshare", "--mount", *prefix] if os.geteuid() == 0 else prefix


@pytest.mark.prefect
def test_a_full_disk_fails_the_run_with_one_line_and_the_run_log_keeps_it(tmp_path):
    extracts = tmp_path / "extracts"
    generate.generate(extracts, **{**demo.DEMO_ARGS, "days": 14})
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    prefix = _mount_small_disk(warehouse, "1700k")
    # funnel run and funnel status both inside the namespace that holds the small disk
    script = (
        f"{FUNNEL} run --extracts {extracts} --warehouse {warehouse}; echo exit=$?; "
        f"{FUNNEL} status --warehouse {warehouse}"
    )
    done = subprocess.run(
        [*prefix, "sh", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "200"},
    )
    output = done.stdout + done.stderr
    assert "exit=1" in done.stdout, output[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "the disk is full" in errors[0], output[-3000:]
    assert "Traceback" not in output
    assert "load" in done.stdout and "failed" in done.stdout, "funnel status does not show the failed run"


def test_the_run_log_gives_up_its_reserve_to_record_a_failure_on_a_full_disk(tmp_path):
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    prefix = _mount_small_disk(warehouse, "1100k")
    # fill the disk after the reserve exists, then record a failed stage
    code = (
        "import sys; from pathlib import Path; from funnel import runlog, settings as config\n"
        f"s = config.Settings(Path({str(warehouse)!r}), 'Europe/Budapest', '1GB')\n"
        "runlog.keep_reserve(s)\n"
        "filler = s.warehouse_dir / 'filler'\n"
        "try:\n"
        "    with filler.open('wb') as f:\n"
        "        while True: f.write(b'x' * 4096); f.flush()\n"
        "except OSError: pass\n"
        "runlog.record(s, runlog.StageRecord('r1', 'load', 'failed', detail='the disk is full'))\n"
        "print(runlog.recent_runs(s)[0]['stages'][0]['detail'])\n"
    )
    done = subprocess.run([*prefix, sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "the disk is full"


def test_without_the_reserve_a_full_disk_would_lose_the_record(tmp_path):
    """The control for the test above: the same full disk, no reserve, and the write fails."""
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    prefix = _mount_small_disk(warehouse, "1100k")
    code = (
        "from pathlib import Path; from funnel import runlog, settings as config\n"
        f"s = config.Settings(Path({str(warehouse)!r}), 'Europe/Budapest', '1GB')\n"
        "filler = s.warehouse_dir / 'filler'\n"
        "try:\n"
        "    with filler.open('wb') as f:\n"
        "        while True: f.write(b'x' * 4096); f.flush()\n"
        "except OSError: pass\n"
        "runlog.record(s, runlog.StageRecord('r1', 'load', 'failed', detail='x' * 8000))\n"
    )
    done = subprocess.run([*prefix, sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "No space left on device" in done.stderr


def test_status_reads_the_run_log_without_the_database(tmp_path):
    settings = config.Settings(tmp_path / "warehouse", "Europe/Budapest", "1GB")
    runlog.record(settings, runlog.StageRecord("r1", "load", "failed", detail="boom"))
    assert not settings.db_path.exists()
    assert runlog.recent_runs(settings)[0]["stages"][0]["status"] == "failed"
    shutil.rmtree(settings.warehouse_dir)


def test_status_on_a_narrow_terminal_keeps_every_stage_name_and_the_whole_reason(tmp_path):
    settings = config.Settings(tmp_path / "warehouse", "Europe/Budapest", "1GB")
    for stage in ("load", "validate_raw", "dbt_build", "validate_marts", "publish"):
        runlog.record(settings, runlog.StageRecord("r1", stage, "success", rows_affected=1_234_567))
    reason = "nothing new: publication 20261130T203348358435Z already holds every batch up to 2026-10-31"
    runlog.record_outcome(settings, "nothing_new", reason)
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run(
        [FUNNEL, "status", "--warehouse", str(settings.warehouse_dir)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    for stage in ("validate_raw", "dbt_build", "validate_marts", "nothing_new", "1,234,567"):
        assert stage in done.stdout
    # the reason, folded over lines, is all there
    cells = [line.split("│")[-2].strip() for line in done.stdout.splitlines() if line.count("│") >= 6]
    assert reason.replace(" ", "") in "".join(cells).replace(" ", "")
