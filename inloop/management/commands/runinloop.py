"""`make run`: migrate, load the demo once, then run the web server, a Celery worker and beat together.

Without DATABASE_URL and CELERY_BROKER_URL this is the embedded default: SQLite in WAL mode and Celery's
filesystem transport, all under the run folder (settings.RUN_DIR). With them set, the same command runs on
PostgreSQL and Redis. Ctrl-C (SIGINT) or SIGTERM stops every process.

A worker or beat that dies is started again (a broker outage can take a worker down while the web server
keeps answering), after a short pause that grows when it keeps dying; one that dies more than
--max-restarts times within a minute is given up on, and then, like the web server dying, everything is
stopped and the command exits non-zero.
"""

import os
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from inloop import demo
from inloop.management.commands.seed_demo import demo_logins_text

POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 15.0
RESTART_WINDOW_SECONDS = 60.0
DEFAULT_MAX_RESTARTS = 3
# The pause before the first, second, third... restart within the window: a crash loop does not spin.
RESTART_DELAYS_SECONDS = (0.0, 1.0, 3.0, 5.0)


@dataclass
class Child:
    name: str
    args: list[str]
    # The web server is what the person at the keyboard uses: if it dies, everything stops and they see why.
    restartable: bool = True
    process: subprocess.Popen | None = field(default=None, repr=False)
    restarts: deque[float] = field(default_factory=deque, repr=False)
    restart_at: float | None = field(default=None, repr=False)
    gave_up: bool = False

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


class Command(BaseCommand):
    help = "Run Inloop on this machine: web server, Celery worker and beat, with the demo data loaded once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo data.")
        parser.add_argument(
            "--max-restarts",
            type=int,
            default=DEFAULT_MAX_RESTARTS,
            help=(
                "Restarts of the worker or of beat allowed within a minute before giving up and stopping "
                f"everything (default {DEFAULT_MAX_RESTARTS})."
            ),
        )

    def handle(self, *args, **options) -> None:
        host = os.environ.get("INLOOP_HOST", "127.0.0.1")
        port = int(os.environ.get("INLOOP_PORT", "8000"))
        embedded = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
        run_dir = settings.RUN_DIR
        run_dir.mkdir(parents=True, exist_ok=True)

        with_demo = not options["no_demo"] and demo.demo_data_allowed()
        try:
            self._prepare(with_demo=with_demo)
        except KeyboardInterrupt:
            raise CommandError(
                "Stopped before Inloop started. The demo data loads in one transaction: none of it was kept."
            ) from None

        children = self._children(host=host, port=port, embedded=embedded)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE,
            "INLOOP_RUN_DIR": str(run_dir),
            "PYTHONUNBUFFERED": "1",
        }
        stop_requested: list[int] = []

        def request_stop(signum, frame) -> None:
            stop_requested.append(signum)

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in children:
                self._start(child, env)
            mode = "embedded: SQLite and the filesystem broker" if embedded else "PostgreSQL and the configured broker"
            logins = f"{demo_logins_text()}\n" if with_demo else ""
            self._say(f"\nInloop is running at http://{host}:{port}/ ({mode}).\n{logins}Press Ctrl-C to stop.\n")
            died = self._supervise(children, stop_requested, env=env, max_restarts=max(0, options["max_restarts"]))
        finally:
            self._stop_all(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if died is not None and died.gave_up:
            raise CommandError(
                f"The {died.name} kept stopping unexpectedly ({len(died.restarts) + 1} exits within "
                f"{RESTART_WINDOW_SECONDS:.0f} seconds, the last with exit code {died.process.returncode}); it was "
                "not restarted again and the other processes were stopped. Its output above says why."
            )
        if died is not None:
            raise CommandError(
                f"The {died.name} stopped unexpectedly (exit code {died.process.returncode}); "
                "the other processes were stopped. Its output above says why."
            )
        self._say("Inloop stopped.")

    def _prepare(self, *, with_demo: bool) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self._say("Database is up to date.")
        if with_demo:
            if demo.demo_data_loaded():
                self._say("Demo data already loaded.")
            else:
                self._say("Loading the demo data (once: two months of the firm, run through; about a minute)...")
                summary = demo.demo_data_load()
                self._say(f"Loaded {summary.candidates} candidates and {summary.applications} applications.")
            demo.demo_login_ensure()
        if not settings.DEBUG:
            # In DEBUG whitenoise serves straight from the app folders; otherwise it needs the collected files.
            call_command("collectstatic", interactive=False, verbosity=0)

    def _children(self, *, host: str, port: int, embedded: bool) -> list[Child]:
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "inloop"]
        # SQLite allows one writer at a time: threads in one process share its lock politely; prefork does not.
        pool = "threads" if embedded else "prefork"
        return [
            Child(
                "web server",
                [python, str(settings.BASE_DIR / "manage.py"), "runserver", f"{host}:{port}", "--noreload"],
                restartable=False,
            ),
            Child(
                "Celery worker",
                [
                    *celery,
                    "worker",
                    "-Q",
                    "default,mail",
                    "--concurrency",
                    "2",
                    "--pool",
                    pool,
                    "--hostname",
                    f"inloop-run-{os.getpid()}@%h",
                    "--loglevel",
                    "INFO",
                ],
            ),
            Child(
                "Celery beat",
                [*celery, "beat", "--schedule", str(settings.RUN_DIR / "celerybeat-schedule"), "--loglevel", "INFO"],
            ),
        ]

    def _start(self, child: Child, env: dict[str, str]) -> None:
        # Each child leads its own process group, so that stopping it also stops what it started.
        child.process = subprocess.Popen(child.args, env=env, cwd=settings.BASE_DIR, start_new_session=True)  # noqa: S603
        self._say(f"Started the {child.name} (pid {child.pid}).")

    def _supervise(
        self, children: list[Child], stop_requested: list[int], *, env: dict[str, str], max_restarts: int
    ) -> Child | None:
        """Wait for a stop signal (returns None), restarting a worker or beat that exits on its own.

        Returns the child that ends the run: the web server when it exits, or a child that exited more
        than `max_restarts` times within the restart window (marked `gave_up`).
        """
        while not stop_requested:
            now = time.monotonic()
            for child in children:
                if child.restart_at is not None:
                    if now >= child.restart_at:
                        child.restart_at = None
                        self._start(child, env)
                    continue
                if child.process.poll() is None:
                    continue
                if not child.restartable:
                    return child
                while child.restarts and now - child.restarts[0] >= RESTART_WINDOW_SECONDS:
                    child.restarts.popleft()
                if len(child.restarts) >= max_restarts:
                    child.gave_up = True
                    return child
                delay = RESTART_DELAYS_SECONDS[min(len(child.restarts), len(RESTART_DELAYS_SECONDS) - 1)]
                child.restarts.append(now)
                child.restart_at = now + delay
                when = "now" if delay == 0 else f"in {delay:.0f} s"
                self._say(
                    f"The {child.name} stopped unexpectedly (exit code {child.process.returncode}); restarting it "
                    f"{when} (restart {len(child.restarts)} of at most {max_restarts} within a minute)."
                )
            time.sleep(POLL_SECONDS)
        self._say("\nStopping Inloop...")
        return None

    def _stop_all(self, children: list[Child]) -> None:
        started = [child for child in children if child.process is not None]
        for child in started:
            _signal_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in started:
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._say(f"The {child.name} did not stop in time; killing it.")
                _signal_group(child.pid, signal.SIGKILL)
                child.process.wait()
            # Whatever the child left behind in its group (pool processes) goes with it.
            _signal_group(child.pid, signal.SIGKILL)

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
