"""What the benchmarks P2-P6 share: a fresh database, a private Redis, an SMTP sink in its own process,
worker processes, memory readings and the table each benchmark prints.

The worker process, the private redis-server and polling with a deadline are the integration tests'
own (tests/support), so that benchmarks and drills run the same real processes the same way.

Everything runs on loopback and is started and stopped by the benchmark itself: the shared PostgreSQL
only gains a database per benchmark (`inloop_bench_<name>`, dropped and created anew each run), and
Redis and the SMTP sink are private processes on free ports.
"""

import contextlib
import io
import multiprocessing
import os
import pstats
import re
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import celery_worker, wait_for
from tests.support.redis_server import RedisServer

__all__ = ["celery_worker", "wait_for"]  # re-exported for the benchmarks

ROOT = Path(__file__).resolve().parent.parent
# The sending worker's pool as the product ships it (docker-compose.yml: INLOOP_WORKER_CONCURRENCY, 4 by
# default): the processes of one worker host.
WORKER_CONCURRENCY = int(
    os.environ.get("INLOOP_WORKER_CONCURRENCY")
    or re.search(r"INLOOP_WORKER_CONCURRENCY:-(\d+)", (ROOT / "docker-compose.yml").read_text())[1]
)
PYTHON = sys.executable
POSTGRES_URL = os.environ.get("INLOOP_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
MACHINE = f"{os.cpu_count()} cores, PostgreSQL and Redis on loopback"


# ---------------------------------------------------------------- the table every benchmark prints


@dataclass
class Row:
    name: str
    figure: float | None
    unit: str
    target: str = ""
    ok: bool | None = None  # None: a figure shown for context, with no target of its own

    def cells(self) -> list[str]:
        figure = "-" if self.figure is None else f"{self.figure:,.3f}".rstrip("0").rstrip(".")
        verdict = {True: "ok", False: "MISSED", None: ""}[self.ok]
        return [self.name, f"{figure} {self.unit}".strip(), self.target, verdict]


def report(title: str, rows: list[Row], notes: list[str] = ()) -> int:
    """Print the table and return the exit code: 1 when any target was missed."""
    header = ["measure", "figure", "target", ""]
    table = [header, *[row.cells() for row in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n{title}  ({MACHINE}, {time.strftime('%Y-%m-%d %H:%M')}, load average {load})")
    for index, line in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))
    for note in notes:
        print(f"  {note}")
    missed = [row.name for row in rows if row.ok is False]
    if missed:
        print(f"MISSED: {', '.join(missed)}")
    return 1 if missed else 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


# ---------------------------------------------------------------- database and Django


def database_url(name: str) -> str:
    return f"{POSTGRES_URL}/inloop_bench_{name}"


def database_recreate(name: str) -> str:
    """Drop and create `inloop_bench_<name>`; return its URL. Nothing else on the server is touched."""
    import psycopg

    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "inloop_bench_{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "inloop_bench_{name}"')
    return database_url(name)


def bench_environment(*, db_url: str, broker_url: str = "memory://", smtp_port: int | None = None) -> dict[str, str]:
    """The environment of the benchmark process and of every worker it starts."""
    env = {
        "DJANGO_SETTINGS_MODULE": "inloop.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": db_url,
        "CELERY_BROKER_URL": broker_url,
        "INLOOP_RUN_DIR": str(Path(tempfile.gettempdir()) / "inloop-bench-run"),
    }
    if smtp_port is not None:
        env |= {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port), "EMAIL_TIMEOUT": "10"}
    return env


def django_start(
    name: str, *, broker_url: str = "memory://", smtp_port: int | None = None, extra_env: dict[str, str] | None = None
) -> dict[str, str]:
    """A fresh, migrated bench database, and Django set up on it in this process.

    Returns the whole environment to hand to worker processes. Must run before anything imports Django models.
    """
    import django
    from django.conf import settings

    if settings.configured:
        raise RuntimeError("run each benchmark in its own process: Django is already set up here")
    env = bench_environment(db_url=database_recreate(name), broker_url=broker_url, smtp_port=smtp_port)
    os.environ.update(env | (extra_env or {}))
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return dict(os.environ)


# ---------------------------------------------------------------- a private Redis


@contextlib.contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of our own (tests/support's), without persistence; shut down on exit."""
    with RedisServer() as server:
        yield server.url


# ---------------------------------------------------------------- the SMTP sink, in its own process

_MESSAGE_ID = re.compile(rb"^message-id:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def _sink_main(port: int, ready, commands) -> None:
    """The sink process: aiosmtpd accepting everything, counting messages by Message-ID."""
    from aiosmtpd.controller import Controller

    lock = threading.Lock()
    seen: Counter = Counter()
    arrivals: list[float] = []
    ids: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            match = _MESSAGE_ID.search(envelope.original_content or envelope.content)
            key = match.group(1) if match else b""
            with lock:
                seen[key] += 1
                ids.append(key)
                arrivals.append(time.time())
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    ready.set()
    try:
        while True:
            command = commands.recv()
            with lock:
                if command == "count":
                    commands.send(len(ids))
                elif command == "stats":
                    commands.send(
                        {
                            "received": len(ids),
                            "distinct": len(seen),
                            "duplicates": sum(n - 1 for n in seen.values() if n > 1),
                            "arrivals": {key.decode(): at for key, at in zip(ids, arrivals, strict=True)},
                        }
                    )
                elif command == "reset":
                    seen.clear()
                    ids.clear()
                    arrivals.clear()
                    commands.send(True)
                elif command == "stop":
                    commands.send(True)
                    break
    finally:
        controller.stop()


class SmtpSink:
    """An SMTP server on loopback in a separate process, so that it does not share our interpreter.

    The tests' sink (tests/support) runs in the test process and can misbehave on purpose; this one only
    accepts, as fast as it can, and answers how many messages arrived, when, and how many were duplicates
    by Message-ID.
    """

    def __init__(self) -> None:
        self.port = free_port()
        context = multiprocessing.get_context("spawn")
        self._ready = context.Event()
        self._commands, remote = context.Pipe()
        self._process = context.Process(target=_sink_main, args=(self.port, self._ready, remote), daemon=True)

    def __enter__(self) -> "SmtpSink":
        self._process.start()
        if not self._ready.wait(timeout=20):
            raise TimeoutError("the SMTP sink did not start")
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(OSError, EOFError):
            self._ask("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()

    def _ask(self, command: str):
        self._commands.send(command)
        return self._commands.recv()

    def count(self) -> int:
        return self._ask("count")

    def stats(self) -> dict:
        return self._ask("stats")

    def reset(self) -> None:
        self._ask("reset")


# ---------------------------------------------------------------- the memory of a worker


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, []))
    return tree


def memory_kib(pid: int, field: str, source: str = "status") -> int:
    """A field of /proc/<pid>/status (VmRSS now, VmHWM the peak) or smaps_rollup (Pss) in KiB; 0 once gone."""
    try:
        for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemoryWatch:
    """Samples the memory of a process tree every few milliseconds in a thread.

    `peak_rss_mb` is the largest sum of resident memory over the tree seen at one sample: pages that a
    prefork worker's children share with their parent count once per process, so it overstates what the
    host gives the worker. `peak_pss_mb` (proportional set size: shared pages split between the processes
    sharing them) is what the tree really occupies. `peak_process_mb` is the largest single process's own
    high-water mark (VmHWM), so a spike between two samples is not missed. Megabytes are 10^6 bytes.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_rss_kib = 0
        self.peak_pss_kib = 0
        self.peak_process_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        pids = process_tree(self.pid)
        self.peak_rss_kib = max(self.peak_rss_kib, sum(memory_kib(p, "VmRSS") for p in pids))
        self.peak_pss_kib = max(self.peak_pss_kib, sum(memory_kib(p, "Pss", "smaps_rollup") for p in pids))
        self.peak_process_kib = max([self.peak_process_kib, *(memory_kib(p, "VmHWM") for p in pids)])

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "MemoryWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._sample()
        self._stop.set()
        self._thread.join()

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss_kib * 1024 / 1e6

    @property
    def peak_pss_mb(self) -> float:
        return self.peak_pss_kib * 1024 / 1e6

    @property
    def peak_process_mb(self) -> float:
        return self.peak_process_kib * 1024 / 1e6


def profile_print(profile, *, top: int, strip_dirs: bool = True) -> None:
    """The profile's top functions by cumulative time, then by their own time (the profile_* tools)."""
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        (stats.strip_dirs() if strip_dirs else stats).sort_stats(order).print_stats(top)
        print(out.getvalue())
