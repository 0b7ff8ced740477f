"""The scheduled path, end to end, as docs/operations.md tells a data engineer to run it.

A real `prefect server start` on a free local port with its own PREFECT_HOME; the work pool; a
`prefect deploy --all` from prefect.yaml; the daily deployment triggered and run by a process worker
(`--run-once`). The first run publishes. Then a poisoned batch arrives: the next run is Failed in
Prefect, its logs and artifacts say why, the publication is untouched, and the alert receiver (a
local HTTP server standing in for a Slack webhook) gets exactly one message naming the stage and the
reason. Every process the test starts is stopped, even when it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from funnel import alerts, generate, publish
from funnel import settings as config

pytestmark = [pytest.mark.prefect, pytest.mark.dbt]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The smallest demo that builds and passes both audits: three weekly batches of a tiny business.
# The first two make the good run; the third is poisoned for the failed one.
EXTRACT_ARGS = {"days": 21, "scale": 0.005, "seed": 7, "end_date": date(2026, 10, 31)}
TOKEN = "T0SCHED/B0SCHED/schedSECRETtoken"
SERVER_START_SECONDS = 300  # seen here: 70-80 s for a fresh server on a busy 2-core machine
RUN_SECONDS = 1500


class AlertReceiver(ThreadingHTTPServer):
    """A stand-in for a Slack incoming webhook: records what it is sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.posts: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/services/{TOKEN}"


class _ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.server.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    """Every process below `pid`, found through /proc (some of Prefect's children start their own session)."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(proc.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _stop(process: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM the process group and every descendant (some leave the group), then SIGKILL what is left."""
    targets = _descendants(process.pid)
    for send in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, send)  # the group outlives its leader: orphans in it are reached too
        for pid in targets:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, send)
        deadline = time.monotonic() + grace
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in targets):
            time.sleep(0.2)
        if process.poll() is not None and not any(Path(f"/proc/{pid}").exists() for pid in targets):
            return


def _prefect(*args: str, env: dict[str, str], cwd: Path = ROOT, timeout: float = 300) -> str:
    """Run the `prefect` CLI in its own process group; return stdout+stderr, fail the test on a non-zero exit."""
    process = subprocess.Popen(
        [str(BIN / "prefect"), *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        _stop(process)
    assert process.returncode == 0, f"prefect {' '.join(args)} exited {process.returncode}:\n{output[-4000:]}"
    return output


def _base_env(home: Path, api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FUNNEL_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # No 06:00 run may sneak in: only the runs this test triggers exist. The schedule itself is
        # asserted on the deployment.
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PYTHONUNBUFFERED="1",
        COLUMNS="250",  # rich tables (`prefect flow-run ls`) print whole names
    )
    return env


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("scheduling")
    timings: dict[str, float] = {}
    started = time.monotonic()
    source = root / "generated"
    generate.generate(source, **EXTRACT_ARGS)
    batches = sorted(p.name for p in source.iterdir() if p.is_dir())
    assert len(batches) == 3, batches
    extracts = root / "extracts"
    extracts.mkdir()
    for batch in batches[:2]:
        shutil.copytree(source / batch, extracts / batch)
    timings["generate"] = time.monotonic() - started

    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = _base_env(root / "prefect-home", api_url)
    server_log = (root / "server.log").open("w")
    receiver = AlertReceiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    started = time.monotonic()
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=root,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            assert server.poll() is None, (root / "server.log").read_text()[-4000:]
            try:
                with urllib.request.urlopen(f"{api_url}/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the Prefect server did not start in time"
            time.sleep(1)
        timings["server start"] = time.monotonic() - started
        yield {
            "root": root,
            "source": source,
            "extracts": extracts,
            "batches": batches,
            "env": env,
            "api_url": api_url,
            "ui_url": f"http://127.0.0.1:{port}",
            "warehouse": root / "warehouse",
            "receiver": receiver,
            "timings": timings,
        }
    finally:
        _stop(server)
        server_log.close()
        receiver.shutdown()
        receiver.server_close()
        print("scheduling test timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))


def _worker_env(world: dict) -> dict[str, str]:
    return {
        **world["env"],
        "FUNNEL_PROJECT_DIR": str(ROOT),
        "FUNNEL_WAREHOUSE": str(world["warehouse"]),
        "FUNNEL_ALERT_WEBHOOK_URL": world["receiver"].url,
        "FUNNEL_MEMORY_LIMIT": "1GB",
    }


def _trigger_and_work(world: dict, label: str) -> tuple[str, str]:
    """Trigger the daily deployment, run a worker once in a folder that is not the project; (run id, worker output)."""
    started = time.monotonic()
    triggered = _prefect("deployment", "run", "funnel-pipeline/funnel-daily", env=world["env"])
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", triggered).group(1)
    workdir = world["root"] / f"worker-{label}"
    workdir.mkdir()
    output = _prefect(
        "worker",
        "start",
        "--pool",
        "funnel-local",
        "--run-once",
        env=_worker_env(world),
        cwd=workdir,
        timeout=RUN_SECONDS,
    )
    world["timings"][label] = time.monotonic() - started
    return run_id, output


def _read_run(world: dict, run_id: str) -> dict:
    """The flow run's state, logs and artifacts, read back through the Prefect client."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: world["api_url"]}), get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(UUID(run_id))
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(run_id)])))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(run_id)]))
        )
        deployment = client.read_deployment(flow_run.deployment_id) if flow_run.deployment_id else None
    return {
        "flow_run": flow_run,
        "logs": "\n".join(log.message for log in logs),
        "artifacts": {a.key: a for a in artifacts if a.key},
        "deployment": deployment,
    }


def test_1_deploy_from_prefect_yaml(world):
    env = world["env"]
    started = time.monotonic()
    with urllib.request.urlopen(world["ui_url"] + "/", timeout=30) as response:
        assert response.status == 200 and b"<html" in response.read().lower()  # the UI is served too
    _prefect("work-pool", "create", "funnel-local", "--type", "process", env=env)
    deployed = _prefect("--no-prompt", "deploy", "--all", env={**env, "FUNNEL_EXTRACTS": str(world["extracts"])})
    world["timings"]["pool and deploy"] = time.monotonic() - started
    assert "funnel-pipeline/funnel-daily" in deployed and "ingest/funnel-ingest" in deployed
    listed = _prefect("deployment", "ls", env=env)
    assert "funnel-pipeline/funnel-daily" in listed and "ingest/funnel-ingest" in listed


def test_2_the_worker_runs_the_daily_deployment_to_a_publication(world):
    run_id, output = _trigger_and_work(world, "good run")
    run = _read_run(world, run_id)

    assert run["flow_run"].state.is_completed(), (run["flow_run"].state, output[-4000:])
    settings = config.load(world["warehouse"])
    publication = publish.current(settings)
    assert publication is not None and publication.batches == world["batches"][:2]
    assert publish.published_db(settings).is_file()
    assert (publish.published_dir(settings) / "parquet" / "conversion" / "funnel_conversion.parquet").is_file()
    assert "funnel-run-summary" in run["artifacts"]
    # the deployment as prefect.yaml declares it: extracts filled in at deploy time, the daily schedule
    deployment = run["deployment"]
    assert deployment.parameters["extracts"] == str(world["extracts"])
    ((schedule),) = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (
        "0 6 * * *",
        "Europe/Budapest",
        True,
    )
    assert world["receiver"].posts == []  # a good run alerts nobody
    world["good"] = (run_id, run["flow_run"].name, publication)


def test_3_a_poisoned_batch_fails_the_run_and_alerts_once(world, sell_in_an_unknown_store):
    bad = world["batches"][2]
    shutil.copytree(world["source"] / bad, world["extracts"] / bad)
    sell_in_an_unknown_store(world["extracts"] / bad)  # the raw audit blocks it

    run_id, output = _trigger_and_work(world, "poisoned run")
    run = _read_run(world, run_id)

    state = run["flow_run"].state
    assert state.is_failed(), (state, output[-4000:])
    assert "QualityGateError: the raw audit failed; nothing was published." in state.message
    # the reason, readable in the run's logs and in its failure artifact
    assert "run failed at stage validate_raw: QualityGateError: the raw audit failed" in run["logs"]
    assert "store_id values exist in pos/stores" in run["logs"]
    failure = run["artifacts"][alerts.ARTIFACT_KEY].data
    assert "| stage | `validate_raw` |" in failure and "the raw audit failed; nothing was published." in failure
    # one alert, with the stage, the reason and the link to the run in the Prefect UI
    posts = world["receiver"].posts
    assert len(posts) == 1, posts
    text = posts[0]["text"]
    assert f"funnel run {run['flow_run'].name} failed at stage validate_raw" in text
    assert "*stage:* validate_raw" in text
    assert "*reason:* QualityGateError: the raw audit failed; nothing was published." in text
    link = f"{world['ui_url']}/runs/flow-run/{run_id}"
    assert f"<{link}|open the run in Prefect>" in text
    assert "alert sent by webhook: Failed at stage validate_raw" in run["logs"]
    # the webhook URL is a secret: neither the run's logs nor the worker's output hold it
    assert TOKEN not in run["logs"] and TOKEN not in output
    # the publication readers see is the one the good run made
    assert publish.current(config.load(world["warehouse"])).id == world["good"][2].id
    world["bad"] = (run_id, run["flow_run"].name)


def test_4_flow_run_ls_lists_both_runs(world):
    listed = _prefect("flow-run", "ls", env=world["env"])
    lines = {line for line in listed.splitlines() if "funnel-pipeline" in line}
    good_name, bad_name = world["good"][1], world["bad"][1]
    assert any(good_name in line and "COMPLETED" in line for line in lines), listed
    assert any(bad_name in line and "FAILED" in line for line in lines), listed
