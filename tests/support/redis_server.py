"""A private redis-server on its own port, that a drill may stop and start again (the broker-outage drill).

    with RedisServer() as redis:          # a free port in 6390-6399 unless one is given
        redis.url                         # redis://127.0.0.1:<port>/0, for CELERY_BROKER_URL
        redis.stop()                      # SIGTERM to this server only: the broker is down
        redis.start()                     # the same port again, empty: the broker is back

Nothing is persisted (no RDB, no AOF), so a restarted server starts empty, as a broker that lost its
queue would. Only the process this object started is ever signalled; the shared Redis on 6379 is
never touched.
"""

import os
import random
import socket
import subprocess
import tempfile

from tests.support.processes import wait_for

PORTS = range(6390, 6400)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _free_port_in(ports: range) -> int:
    # In random order, so that runs side by side rarely reach for the same port (a stopped server's port
    # looks free to everyone until it starts again).
    for port in random.sample(ports, len(ports)):
        if not _answers(port):
            return port
    raise RuntimeError(f"no free port for a private redis-server in {ports.start}-{ports.stop - 1}")


def real_clock_env() -> dict[str, str]:
    """This process's environment without libfaketime: redis-server does not start with a moved clock.

    A run of the suite with every clock moved (faketime(1) preloads libfaketime and sets FAKETIME*) still
    needs a working broker; what the drills test is our processes, whose clocks stay moved.
    """
    return {
        name: value for name, value in os.environ.items() if name != "LD_PRELOAD" and not name.startswith("FAKETIME")
    }


class RedisServer:
    def __init__(self, port: int | None = None):
        self.port = port or _free_port_in(PORTS)
        self._folder = tempfile.TemporaryDirectory(prefix="inloop-redis-")
        self._process: subprocess.Popen | None = None
        self._started_once = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        if self.running():
            return
        for _ in range(len(PORTS)):
            self._process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", self._folder.name],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=real_clock_env(),
            )  # fmt: skip
            wait_for(
                lambda: _answers(self.port) or not self.running(),
                timeout=timeout,
                what=f"redis-server on port {self.port}",
            )
            if self.running():
                self._started_once = True
                return
            if self._started_once:
                break
            # Another test run took the port between our look and our bind: take the next free one.
            self.port = _free_port_in(PORTS)
        raise RuntimeError(f"redis-server could not listen on port {self.port}")

    def stop(self, timeout: float = 10.0) -> None:
        if not self.running():
            return
        self._process.terminate()
        self._process.wait(timeout=timeout)
        wait_for(lambda: not _answers(self.port), timeout=timeout, what=f"port {self.port} to close")

    def __enter__(self) -> "RedisServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        self._folder.cleanup()
