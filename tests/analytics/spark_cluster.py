"""A real Spark cluster on 127.0.0.1 for the tests: a standalone master and its workers, and a
Spark Connect server, each a process started from the scripts that ship with pyspark and stopped
at the end whatever happened.

The pip package of pyspark ships ``bin/spark-class`` and ``sbin/start-connect-server.sh`` but not
``sbin/start-master.sh``/``start-worker.sh`` (those come with the Spark distribution): the master
and the workers are started as ``spark-class org.apache.spark.deploy.master.Master`` and
``...worker.Worker``, in the foreground, which is what the sbin scripts run. The Connect server's
jar (``jars/spark-connect_*.jar``) is in the package, so nothing is downloaded."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

#: How long a daemon may take to come up on a loaded 2-core machine before the test fails.
START_TIMEOUT = 180.0


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(workdir: Path, daemon_memory: str) -> dict[str, str]:
    return {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(workdir / "logs"),
        "SPARK_PID_DIR": str(workdir / "pids"),
        # The daemon's own heap: small for the master and the workers (they only schedule); the
        # Connect server's is its driver's.
        "SPARK_DAEMON_MEMORY": daemon_memory,
        "SPARK_NO_DAEMONIZE": "1",
    }


@contextmanager
def _daemon(
    name: str, command: list[str], workdir: Path, ready: str, *, memory: str = "256m"
) -> Iterator[Path]:
    """Run ``command`` in a process group of its own until the block ends; wait until its log
    matches ``ready``. Stopped (TERM, then KILL) on every exit, the failing ones too."""
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            env=_environment(workdir, memory),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its JVM children are stopped with it, by its group id
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        pattern = re.compile(ready)
        while not pattern.search(log_path.read_text(errors="replace")):
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}):\n{_tail(log_path)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not ready in {START_TIMEOUT:.0f} s:\n{_tail(log_path)}")
            time.sleep(0.3)
        yield log_path
    finally:
        _stop(process)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def standalone_cluster(
    workdir: Path, *, workers: int = 2, cores: int = 1, memory: str = "1g"
) -> Iterator[str]:
    """A standalone master and ``workers`` workers on 127.0.0.1; yields the master's URL once
    every worker has registered."""
    workdir.mkdir(parents=True, exist_ok=True)
    spark_class = str(spark_home() / "bin" / "spark-class")
    port = free_port()
    url = f"spark://127.0.0.1:{port}"
    with ExitStack() as stack:
        stack.enter_context(
            _daemon(
                "master",
                [
                    spark_class,
                    "org.apache.spark.deploy.master.Master",
                    *("--host", "127.0.0.1", "--port", str(port), "--webui-port", "0"),
                ],
                workdir,
                ready=r"I have been elected leader",
            )
        )
        for index in range(workers):
            stack.enter_context(
                _daemon(
                    f"worker-{index}",
                    [
                        spark_class,
                        "org.apache.spark.deploy.worker.Worker",
                        *("--host", "127.0.0.1", "--cores", str(cores), "--memory", memory),
                        *("--webui-port", "0", "--work-dir", str(workdir / f"work-{index}")),
                        url,
                    ],
                    workdir,
                    ready=r"Successfully registered with master",
                )
            )
        yield url


@contextmanager
def connect_server(workdir: Path, master: str, *, memory: str = "1g") -> Iterator[str]:
    """A Spark Connect server (``sbin/start-connect-server.sh --wait``) whose driver runs on
    ``master``; yields its ``sc://`` URL once it listens."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    script = str(spark_home() / "sbin" / "start-connect-server.sh")
    command = [script, "--wait", "--master", master]
    for key, value in {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.executor.memory": "512m",
    }.items():
        command += ["--conf", f"{key}={value}"]
    ready = r"Spark Connect server started"
    with _daemon("connect", command, workdir, ready=ready, memory=memory):
        yield f"sc://127.0.0.1:{port}"
