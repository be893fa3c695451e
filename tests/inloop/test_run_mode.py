"""`make run`'s entry point on the embedded default: SQLite, the filesystem broker, three child processes.

Each test starts `manage.py runinloop` as a real process against a temporary run folder, with no
DATABASE_URL or CELERY_BROKER_URL, and waits for it with a deadline.
"""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.services

START_DEADLINE_SECONDS = 180
STOP_DEADLINE_SECONDS = 40
PING = "import django; django.setup()\nfrom inloop.celery import ping\nprint(ping.delay().get(timeout=60))\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def embedded_env(run_dir: Path, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CELERY_", "EMAIL_", "DJANGO_", "INLOOP_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="inloop.settings.local",
        INLOOP_RUN_DIR=str(run_dir),
        INLOOP_HOST="127.0.0.1",
        INLOOP_PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    return env


class Run:
    """A runinloop process with its output collected line by line."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.env = env
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "runinloop", *args],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def child_pids(self) -> dict[str, int]:
        return {m[1]: int(m[2]) for m in (re.match(r"Started the (.+) \(pid (\d+)\)\.", ln) for ln in self.lines) if m}

    def wait_until(self, check, *, what: str, deadline: float) -> None:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if check():
                return
            if self.process.poll() is not None:
                pytest.fail(f"runinloop exited ({self.process.returncode}) before {what}:\n{self.output[-4000:]}")
            time.sleep(0.5)
        pytest.fail(f"no {what} within {deadline} s:\n{self.output[-4000:]}")

    def wait_until_serving(self, port: int) -> dict[str, int]:
        """Wait for the three children and the login page; their pids."""
        self.wait_until(lambda: len(self.child_pids()) == 3, what="three children", deadline=START_DEADLINE_SECONDS)
        self.wait_until(
            lambda: answers_200(f"http://127.0.0.1:{port}/login/"), what="login page", deadline=START_DEADLINE_SECONDS
        )
        return self.child_pids()

    def wait_for_restart(self, name: str, *, not_pids: list[int]) -> int:
        """Wait until the child `name` was started again with a pid other than `not_pids`; its new pid."""
        self.wait_until(
            lambda: self.child_pids()[name] not in not_pids,
            what=f"the {name} restarted",
            deadline=START_DEADLINE_SECONDS,
        )
        return self.child_pids()[name]

    def kill_everything(self) -> None:
        for pid in [self.process.pid, *self.child_pids().values()]:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)


def answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a loopback URL we built)
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return tmp_path / "run"


def test_make_run_serves_the_login_page_runs_a_task_stops_on_ctrl_c_and_loads_the_demo_once(run_dir):
    port = free_port()
    env = embedded_env(run_dir, port)
    run = Run(env)
    try:
        run.wait_until(
            lambda: answers_200(f"http://127.0.0.1:{port}/login/"), what="login page", deadline=START_DEADLINE_SECONDS
        )
        assert f"Inloop is running at http://127.0.0.1:{port}/" in run.output
        assert "Demo login: demo / " in run.output
        pids = run.child_pids()
        assert set(pids) == {"web server", "Celery worker", "Celery beat"}

        # The embedded default really is SQLite in WAL mode and the filesystem broker, in the run folder.
        with closing(sqlite3.connect(run_dir / "inloop.sqlite3")) as database:
            assert database.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        ping = subprocess.run(
            [sys.executable, "-c", PING], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=90
        )
        assert ping.stdout.strip() == "pong", ping.stderr[-3000:]
        assert any((run_dir / "results").iterdir()), "the result came back through the file result backend"

        os.kill(run.process.pid, signal.SIGINT)
        run.process.wait(timeout=STOP_DEADLINE_SECONDS)
        assert run.process.returncode == 0, run.output[-4000:]
        assert "Inloop stopped." in run.output
        still_running = [name for name, pid in pids.items() if group_alive(pid)]
        assert still_running == []
    finally:
        run.kill_everything()

    # The second start finds the demo data and does not load it again.
    again = Run(env)
    try:
        again.wait_until(lambda: len(again.child_pids()) == 3, what="three children", deadline=START_DEADLINE_SECONDS)
        assert "Demo data already loaded." in again.output
        assert "Loading the demo data" not in again.output
        os.kill(again.process.pid, signal.SIGINT)
        assert again.process.wait(timeout=STOP_DEADLINE_SECONDS) == 0
    finally:
        again.kill_everything()


def test_a_dead_worker_or_beat_is_restarted_and_the_app_keeps_running(run_dir):
    port = free_port()
    env = embedded_env(run_dir, port)
    run = Run(env, "--no-demo")
    try:
        first = run.wait_until_serving(port)
        os.killpg(first["Celery worker"], signal.SIGKILL)
        run.wait_for_restart("Celery worker", not_pids=[first["Celery worker"]])
        assert "The Celery worker stopped unexpectedly (exit code -9); restarting it now" in run.output
        # The new worker takes tasks: the app works again without anyone restarting `make run`.
        ping = subprocess.run(
            [sys.executable, "-c", PING], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=90
        )
        assert ping.stdout.strip() == "pong", ping.stderr[-3000:]

        os.killpg(first["Celery beat"], signal.SIGKILL)
        run.wait_for_restart("Celery beat", not_pids=[first["Celery beat"]])
        assert "The Celery beat stopped unexpectedly (exit code -9); restarting it now" in run.output
        assert run.process.poll() is None
        assert run.child_pids()["web server"] == first["web server"]
        assert answers_200(f"http://127.0.0.1:{port}/login/")

        latest = run.child_pids()
        os.kill(run.process.pid, signal.SIGINT)
        assert run.process.wait(timeout=STOP_DEADLINE_SECONDS) == 0, run.output[-4000:]
        assert [pid for pid in {*first.values(), *latest.values()} if group_alive(pid)] == []
    finally:
        run.kill_everything()


def test_the_web_server_dying_stops_everything_and_the_command_fails(run_dir):
    port = free_port()
    env = embedded_env(run_dir, port)
    run = Run(env, "--no-demo")
    try:
        pids = run.wait_until_serving(port)
        os.killpg(pids["web server"], signal.SIGKILL)
        run.process.wait(timeout=STOP_DEADLINE_SECONDS)
        assert run.process.returncode != 0
        assert "The web server stopped unexpectedly" in run.output
        assert "restarting" not in run.output
        assert [name for name, pid in pids.items() if group_alive(pid)] == []
    finally:
        run.kill_everything()


def test_a_worker_that_keeps_dying_is_given_up_on_and_everything_stops(run_dir):
    port = free_port()
    env = embedded_env(run_dir, port)
    run = Run(env, "--no-demo", "--max-restarts", "2")
    try:
        run.wait_until(lambda: len(run.child_pids()) == 3, what="three children", deadline=START_DEADLINE_SECONDS)
        killed = []
        for restarts in range(3):
            pid = run.child_pids()["Celery worker"]
            os.killpg(pid, signal.SIGKILL)
            killed.append(pid)
            if restarts < 2:
                run.wait_for_restart("Celery worker", not_pids=killed)
        run.process.wait(timeout=STOP_DEADLINE_SECONDS)
        assert run.process.returncode != 0
        assert "restart 1 of at most 2 within a minute" in run.output
        assert "restarting it in 1 s (restart 2 of at most 2 within a minute)" in run.output
        assert "The Celery worker kept stopping unexpectedly (3 exits within 60 seconds" in run.output
        assert "not restarted again and the other processes were stopped" in run.output
        assert [pid for pid in {*killed, *run.child_pids().values()} if group_alive(pid)] == []
    finally:
        run.kill_everything()
