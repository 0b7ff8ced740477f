"""A local Spark standalone cluster (one master, N workers) from the pyspark distribution, for the Spark target.

Each daemon is a separate `java` process started through pyspark's own `bin/spark-class` (the pip package ships
the jars and `bin/`, but not `sbin/start-master.sh`). Logs, work folders, scratch space and a state file live
under `<warehouse>/spark/`, so `status` and `stop` work from any process. Every address is 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path

import typer

from funnel import settings as config

LOOPBACK = "127.0.0.1"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
STATE_FILE = "cluster.json"


class SparkClusterError(RuntimeError):
    """The local cluster could not start or answer; the message says which process and where its log is."""


@dataclass(frozen=True)
class SparkSettings:
    """Where the cluster lives and how big it is; every field comes from FUNNEL_SPARK_* variables."""

    cluster_dir: Path
    workers: int
    worker_cores: int
    worker_memory: str
    daemon_memory: str
    start_timeout: float

    @property
    def state_path(self) -> Path:
        return self.cluster_dir / STATE_FILE

    @property
    def log_dir(self) -> Path:
        return self.cluster_dir / "logs"


def load_settings(settings: config.Settings | None = None) -> SparkSettings:
    """Cluster settings from FUNNEL_SPARK_* variables; the cluster folder sits in the warehouse folder."""
    settings = settings or config.load()
    env = os.environ
    workers = _positive_int("FUNNEL_SPARK_WORKERS", env.get("FUNNEL_SPARK_WORKERS", "2"))
    cores = _positive_int("FUNNEL_SPARK_WORKER_CORES", env.get("FUNNEL_SPARK_WORKER_CORES", "1"))
    timeout = _positive_int("FUNNEL_SPARK_START_TIMEOUT", env.get("FUNNEL_SPARK_START_TIMEOUT", "300"))
    return SparkSettings(
        cluster_dir=settings.warehouse_dir / "spark",
        workers=workers,
        worker_cores=cores,
        worker_memory=_memory("FUNNEL_SPARK_WORKER_MEMORY", env.get("FUNNEL_SPARK_WORKER_MEMORY", "1g")),
        daemon_memory=_memory("FUNNEL_SPARK_DAEMON_MEMORY", env.get("FUNNEL_SPARK_DAEMON_MEMORY", "256m")),
        start_timeout=float(timeout),
    )


def _positive_int(name: str, text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise SparkClusterError(f"{name}={text!r}: expected a whole number of at least 1")
    return int(text)


def _memory(name: str, text: str) -> str:
    value = text.strip().lower()
    if not (value[:-1].isdigit() and value[-1] in "kmgt"):
        raise SparkClusterError(f"{name}={text!r}: expected a JVM memory size such as 512m or 2g")
    return value


def spark_home() -> Path:
    """pyspark's installation folder, which holds `bin/spark-class` and `jars/`."""
    import pyspark

    home = Path(pyspark.__file__).resolve().parent
    if not (home / "bin" / "spark-class").exists() or not (home / "jars").is_dir():
        raise SparkClusterError(f"pyspark at {home} has no bin/spark-class or jars/: reinstall pyspark")
    return home


def java_executable() -> str:
    """The `java` that Spark will use: $JAVA_HOME/bin/java, else the one on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        raise SparkClusterError("Java not found: Spark 4 needs Java 17 or 21 (Debian: apt-get install openjdk-17-jdk)")
    return java


@dataclass
class ClusterState:
    """What `start` launched: enough for another process to find, check and stop the cluster."""

    master_url: str
    master_ui_url: str
    pids: dict[str, int]
    started_at: float
    start_seconds: float

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def read(cls, path: Path) -> ClusterState | None:
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None


@dataclass(frozen=True)
class ClusterStatus:
    running: bool
    master_url: str | None
    alive_workers: int
    cores: int
    memory_mb: int
    rss_mb: dict[str, float]  # per process we started and that is still ours


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the daemon binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _daemon_env(spark: SparkSettings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SPARK_HOME": str(spark_home()),
            "SPARK_CONF_DIR": str(spark.cluster_dir / "conf"),
            # Without it Spark binds the web UIs to 0.0.0.0 and advertises the LAN address.
            "SPARK_LOCAL_IP": LOOPBACK,
            "SPARK_DAEMON_MEMORY": spark.daemon_memory,
            # The daemons mostly wait: a serial collector and the quick JIT tier cost the least CPU to start.
            "SPARK_DAEMON_JAVA_OPTS": "-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
            "SPARK_LOCAL_DIRS": str(spark.cluster_dir / "tmp"),
            "SPARK_NO_DAEMONIZE": "1",
        }
    )
    return env


# Warnings and errors only; the driver inside dbt otherwise logs a line per statement ("Using an existing Spark
# session") and Hive's metastore client warns about settings it does not know.
LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.session.name = org.apache.spark.sql.classic.SparkSession
logger.session.level = error
logger.objectstore.name = org.apache.hadoop.hive.metastore.ObjectStore
logger.objectstore.level = error
logger.hiveconf.name = org.apache.hadoop.hive.conf.HiveConf
logger.hiveconf.level = error
logger.sessionstate.name = org.apache.hadoop.hive.ql.session.SessionState
logger.sessionstate.level = error
logger.nativecode.name = org.apache.hadoop.util.NativeCodeLoader
logger.nativecode.level = error
logger.master.name = org.apache.spark.deploy
logger.master.level = info
"""


def write_conf(spark: SparkSettings) -> Path:
    """spark-defaults.conf and log4j2.properties for the daemons and the driver (SPARK_CONF_DIR); returns the folder."""
    conf = spark.cluster_dir / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    lines = [
        # The REST submission server would take port 6066 for every cluster on the machine.
        "spark.master.rest.enabled false",
        # Finished applications' folders (executor logs, jars) are removed after a day.
        "spark.worker.cleanup.enabled true",
        "spark.worker.cleanup.appDataTtl 86400",
    ]
    (conf / "spark-defaults.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (conf / "log4j2.properties").write_text(LOG4J2, encoding="utf-8")
    return conf


def _launch(spark: SparkSettings, name: str, args: list[str]) -> subprocess.Popen:
    spark.log_dir.mkdir(parents=True, exist_ok=True)
    log = open(spark.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it; closed below
    try:
        # spark-class ends in `exec java ...`, so this pid is the daemon's JVM; a session of its own keeps
        # terminal signals (Ctrl-C in the shell that started it) away from it.
        return subprocess.Popen(
            [str(spark_home() / "bin" / "spark-class"), *args],
            cwd=spark.cluster_dir,
            env=_daemon_env(spark),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        log.close()


def master_json(ui_url: str, timeout: float = 2.0) -> dict | None:
    """The master's own status page as JSON (workers, cores, memory), or None when it does not answer."""
    try:
        with urllib.request.urlopen(f"{ui_url}/json/", timeout=timeout) as response:  # noqa: S310 - loopback
            return json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError):
        return None


def start(
    spark: SparkSettings | None = None,
    echo: Callable[[str], None] | None = print,
) -> ClusterState:
    """Start a master and the workers, and return once every worker has registered; idempotent."""
    spark = spark or load_settings()
    current = ClusterState.read(spark.state_path)
    if current and status(spark).running:
        return current
    stop(spark, echo=None)  # leftovers of a crashed start
    java_executable()
    for folder in ("logs", "work", "tmp"):
        (spark.cluster_dir / folder).mkdir(parents=True, exist_ok=True)
    write_conf(spark)
    began = time.monotonic()
    master_port, ui_port = free_port(), free_port()
    master_url, ui_url = f"spark://{LOOPBACK}:{master_port}", f"http://{LOOPBACK}:{ui_port}"
    state = ClusterState(master_url, ui_url, {}, time.time(), 0.0)
    processes: dict[str, subprocess.Popen] = {}
    try:
        master_args = [MASTER_CLASS, "--host", LOOPBACK, "--port", str(master_port), "--webui-port", str(ui_port)]
        processes["master"] = _launch(spark, "master", master_args)
        state.pids["master"] = processes["master"].pid
        state.save(spark.state_path)
        _wait(spark, processes, lambda doc: doc.get("status") == "ALIVE", ui_url, "the master", began, echo)
        for n in range(1, spark.workers + 1):
            name = f"worker-{n}"
            work_dir = spark.cluster_dir / "work" / name
            work_dir.mkdir(parents=True, exist_ok=True)
            processes[name] = _launch(
                spark,
                name,
                [
                    WORKER_CLASS,
                    "--host", LOOPBACK,
                    "--port", "0",
                    "--webui-port", str(free_port()),
                    "--cores", str(spark.worker_cores),
                    "--memory", spark.worker_memory,
                    "--work-dir", str(work_dir),
                    master_url,
                ],
            )  # fmt: skip
            state.pids[name] = processes[name].pid
            state.save(spark.state_path)
        wanted = spark.workers
        _wait(
            spark, processes, lambda doc: doc.get("aliveworkers", 0) >= wanted, ui_url, f"{wanted} workers", began, echo
        )
    except BaseException:
        stop(spark, echo=None)
        raise
    state.start_seconds = round(time.monotonic() - began, 1)
    state.save(spark.state_path)
    if echo:
        echo(f"spark cluster up in {state.start_seconds:.0f} s: {master_url} (UI {ui_url}), {spark.workers} workers")
    return state


def _wait(
    spark: SparkSettings,
    processes: dict[str, subprocess.Popen],
    ready: Callable[[dict], bool],
    ui_url: str,
    what: str,
    began: float,
    echo: Callable[[str], None] | None,
) -> None:
    """Poll the master until `ready`; fail fast, naming its log, when a daemon exits or time runs out."""
    deadline = began + spark.start_timeout
    last_note = time.monotonic()
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                raise SparkClusterError(
                    f"spark {name} exited with code {process.returncode} while waiting for {what}; "
                    f"see {spark.log_dir / (name + '.log')}:\n{_tail(spark.log_dir / (name + '.log'))}"
                )
        doc = master_json(ui_url)
        if doc is not None and ready(doc):
            return
        now = time.monotonic()
        if now > deadline:
            raise SparkClusterError(
                f"spark cluster: no {what} after {spark.start_timeout:.0f} s (FUNNEL_SPARK_START_TIMEOUT); "
                f"logs in {spark.log_dir}"
            )
        if echo and now - last_note >= 15:
            echo(f"waiting for {what} ({now - began:.0f} s)")
            last_note = now
        time.sleep(0.5)


def _tail(path: Path, lines: int = 8) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def _is_ours(pid: int, spark: SparkSettings) -> bool:
    """True when `pid` is still a Spark daemon of this cluster (a pid may have been reused since)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", errors="replace")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    return "org.apache.spark.deploy." in cmdline and _env_mentions(pid, spark)


def _env_mentions(pid: int, spark: SparkSettings) -> bool:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    return f"SPARK_CONF_DIR={spark.cluster_dir / 'conf'}".encode() in environ


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except FileNotFoundError:
        pass
    return 0.0


def stop(spark: SparkSettings | None = None, echo: Callable[[str], None] | None = print, grace: float = 20.0) -> int:
    """Stop every daemon the state file names (workers first), SIGKILL after `grace` seconds; returns how many."""
    spark = spark or load_settings()
    state = ClusterState.read(spark.state_path)
    if state is None:
        return 0
    names = sorted(state.pids, key=lambda name: name == "master")  # workers first, then the master
    ours = [(name, state.pids[name]) for name in names if _is_ours(state.pids[name], spark)]
    for _, pid in ours:
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(pid) for _, pid in ours):
        time.sleep(0.2)
    for _, pid in ours:
        if _alive(pid):
            _signal_group(pid, signal.SIGKILL)
    for _, pid in ours:
        _reap(pid)
    spark.state_path.unlink(missing_ok=True)
    if echo and ours:
        echo(f"spark cluster stopped ({', '.join(name for name, _ in ours)})")
    return len(ours)


def _signal_group(pid: int, sig: int) -> None:
    # Each daemon leads its own session (start_new_session), so its group holds only what it spawned.
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with suppress(ProcessLookupError):
            os.kill(pid, sig)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _reap(pid: int) -> None:
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def status(spark: SparkSettings | None = None) -> ClusterStatus:
    """Whether the cluster named by the state file runs, with its workers and each daemon's memory."""
    spark = spark or load_settings()
    state = ClusterState.read(spark.state_path)
    if state is None:
        return ClusterStatus(False, None, 0, 0, 0, {})
    rss = {name: _rss_mb(pid) for name, pid in state.pids.items() if _is_ours(pid, spark)}
    doc = master_json(state.master_ui_url) if "master" in rss else None
    if doc is None:
        return ClusterStatus(False, state.master_url, 0, 0, 0, rss)
    return ClusterStatus(
        running=doc.get("status") == "ALIVE",
        master_url=state.master_url,
        alive_workers=int(doc.get("aliveworkers", 0)),
        cores=int(doc.get("cores", 0)),
        memory_mb=int(doc.get("memory", 0)),
        rss_mb=rss,
    )


@contextmanager
def running_cluster(spark: SparkSettings | None = None, echo: Callable[[str], None] | None = print) -> Iterator[str]:
    """The master URL of a running cluster: one already up is reused and left running, one started here is stopped."""
    spark = spark or load_settings()
    was_running = status(spark).running
    state = start(spark, echo=echo)
    try:
        yield state.master_url
    finally:
        if not was_running:
            stop(spark, echo=echo)


app = typer.Typer(help="The local Spark standalone cluster of the Spark target.", no_args_is_help=True)
WarehouseOption = typer.Option(None, "--warehouse", help="Warehouse folder (default ./warehouse, or FUNNEL_WAREHOUSE).")


def _cli_settings(warehouse: Path | None) -> SparkSettings:
    try:
        return load_settings(config.load(warehouse))
    except SparkClusterError as exc:
        _cli_fail(str(exc))
        raise


def _cli_fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@app.command("start")
def start_command(warehouse: Path | None = WarehouseOption) -> None:
    """Start a master and FUNNEL_SPARK_WORKERS workers (default 2) and print the master URL."""
    spark = _cli_settings(warehouse)
    try:
        state = start(spark, echo=lambda line: typer.echo(line, err=True))
    except SparkClusterError as exc:
        _cli_fail(str(exc))
    typer.echo(state.master_url)


@app.command("stop")
def stop_command(warehouse: Path | None = WarehouseOption) -> None:
    """Stop the cluster's daemons (only those this cluster started)."""
    count = stop(_cli_settings(warehouse), echo=lambda line: typer.echo(line, err=True))
    if count == 0:
        typer.echo("no spark cluster was running", err=True)


@app.command("status")
def status_command(warehouse: Path | None = WarehouseOption) -> None:
    """Print whether the cluster runs, its workers, cores and memory; exit code 1 when it does not run."""
    current = status(_cli_settings(warehouse))
    typer.echo(
        json.dumps(
            {
                "running": current.running,
                "master_url": current.master_url,
                "alive_workers": current.alive_workers,
                "cores": current.cores,
                "worker_memory_mb": current.memory_mb,
                "daemon_rss_mb": current.rss_mb,
            },
            indent=2,
        )
    )
    if not current.running:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
