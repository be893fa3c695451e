"""A process started with `same_clock_env` reads this process's clock, time-machine's travel included, so
that a drill on a business morning and its workers agree on what is due (tests/support/processes.py)."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import time_machine

from tests.support.processes import same_clock_env

SATURDAY_NIGHT = datetime(2026, 12, 12, 23, 30, tzinfo=UTC)


def test_a_process_started_with_the_same_clock_reads_the_travelled_time():
    with time_machine.travel(SATURDAY_NIGHT, tick=True):
        child = subprocess.run(
            [sys.executable, "-c", "import time; print(repr(time.time()))"],
            env=same_clock_env(dict(os.environ)),
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        ours_after = time.time()
    theirs = float(child.stdout)
    # The child read its clock after we travelled and before we read ours again: on one clock, in between.
    assert SATURDAY_NIGHT.timestamp() < theirs < ours_after
