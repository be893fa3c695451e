"""Real processes for integration tests: a Celery worker against the test database, polled with deadlines.

    env = worker_env(smtp_port=sink.port, EMAIL_TIMEOUT="2")
    with celery_worker(env, name="outbox-f6") as worker:
        ...                                   # enqueue work from the test (after commit)
        wait_for(lambda: ..., timeout=30, what="the message to be sent")
        worker.log()                          # the worker's output, for failure messages

The worker runs `celery -A inloop worker` with DJANGO_SETTINGS_MODULE=inloop.settings.test
(the test settings, plus real SMTP to the sink and outbox timings from the environment), the test
database of this pytest run (tests must use `django_db(transaction=True)` so that it sees their rows)
and this run's broker (CELERY_BROKER_URL, a Redis database of its own). It is stopped with SIGTERM, then
SIGKILL after a grace period; `worker.kill()` sends SIGKILL at once (a crash, for the fault drills).

`celery_worker(env, same_clock=True)` starts the worker with this process's clock, moved by time-machine
or not: libfaketime (Debian's `faketime`) moves the worker's clock by as much as ours, so that a drill that
needs a business morning travels there, it and its workers together, on any day.
"""

import glob
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import time_machine

ROOT = Path(__file__).resolve().parents[2]
RUN_DIR = ROOT / ".run" / "test-workers"
# The dynamic loader reads $LIB itself (lib/x86_64-linux-gnu and the like), as faketime(1) writes it.
LIBFAKETIME = "/usr/$LIB/faketime/libfaketime.so.1"


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.1) -> None:
    """Poll `condition` until it holds; fail with `what` after `timeout` seconds. Never a blind sleep."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(interval)


def run_database_url() -> str:
    """The URL of the database this pytest run uses (pytest-django's test database, once it exists)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def worker_env(*, smtp_port: int | None = None, **overrides: str) -> dict[str, str]:
    """Environment for a worker of this test run: its database, its broker, the sink's port."""
    from django.conf import settings

    env = dict(os.environ)
    env |= {
        "DJANGO_SETTINGS_MODULE": "inloop.settings.test",
        "DATABASE_URL": run_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "PYTHONUNBUFFERED": "1",
    }
    if smtp_port is not None:
        env |= {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port)}
    env |= overrides
    return env


def libfaketime_installed() -> bool:
    return bool(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))


def _moved_by_libfaketime() -> float:
    """How far libfaketime moved this process's clock, in seconds: 0 unless the run is under faketime(1)."""
    if "faketime" not in os.environ.get("LD_PRELOAD", ""):
        return 0.0
    spec = os.environ.get("FAKETIME", "")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", spec):
        raise AssertionError(
            f"This run's clock is moved by libfaketime with FAKETIME={spec!r}: a worker can share it only when it"
            " is an offset in seconds, as faketime(1) writes it ('+556876')."
        )
    return float(spec)


def same_clock_env(env: dict[str, str]) -> dict[str, str]:
    """`env` for a process whose clock is this process's clock, time-machine's travel included.

    libfaketime moves the child's clock by the same offset from the machine's clock as ours, so every
    worker started this way reads the same time as this process and as each other, to the microsecond:
    a message one worker makes due now is due for the other. Any offset this process inherited (a whole
    run under faketime(1)) is part of it. The monotonic clock is left to libfaketime: with
    FAKETIME_DONT_FAKE_MONOTONIC, Python's time.sleep fails with EINVAL.
    """
    if not libfaketime_installed():
        from django.conf import settings

        if settings.REQUIRE_SERVICES:
            pytest.fail("libfaketime is required (INLOOP_REQUIRE_SERVICES=1): Debian package faketime")
        pytest.skip("needs libfaketime (Debian package faketime) to move a worker's clock")
    machine_now = time_machine.escape_hatch.time.time() if time_machine.escape_hatch.is_travelling() else time.time()
    offset = time.time() - machine_now + _moved_by_libfaketime()
    inherited = {name: value for name, value in env.items() if not name.startswith("FAKETIME")}
    return inherited | {"LD_PRELOAD": LIBFAKETIME, "FAKETIME": f"{offset:+.6f}"}


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, log_path: Path, name: str):
        self.process = process
        self.log_path = log_path
        self.name = name

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and its pool children (its own process group), as a crash would."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, grace: float = 15.0) -> None:
        if not self.alive():
            return
        # The main process alone: it shuts its pool down itself, as under a service manager.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()


def purge_broker(env: dict[str, str]) -> None:
    """Drop every task left in this run's queues by an earlier test."""
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "inloop", "purge", "-f", "-Q", "mail,default"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


@contextmanager
def celery_worker(
    env: dict[str, str],
    *,
    name: str = "inloop-test",
    queues: str = "mail,default",
    concurrency: int = 1,
    ready_timeout: float = 60.0,
    same_clock: bool = False,
) -> Iterator[WorkerProcess]:
    """Start a worker with a unique node name, wait until it is ready, and always stop it afterwards.

    With `same_clock`, the worker's clock is this process's (same_clock_env), even when time-machine moved it.
    """
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    node = f"{name}-{uuid.uuid4().hex[:8]}"
    log_path = RUN_DIR / f"{node}.log"
    command = [
        sys.executable, "-m", "celery", "-A", "inloop", "worker",
        "-Q", queues, "-c", str(concurrency), "-P", "prefork", "-n", f"{node}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
    ]  # fmt: skip
    if same_clock:
        env = same_clock_env(env)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = WorkerProcess(process, log_path, node)
    try:
        wait_for(
            lambda: " ready." in worker.log() or not worker.alive(),
            timeout=ready_timeout,
            what=f"Celery worker {node} to be ready",
        )
        if not worker.alive():
            raise AssertionError(f"Celery worker {node} exited at start:\n{worker.log()[-4000:]}")
        yield worker
    finally:
        worker.stop()
