"""Run tests once more on SQLite, the embedded default of `make run`, while the suite runs on PostgreSQL.

The settings pick their database when they are loaded, so the SQLite run is a child pytest with
INLOOP_TEST_DATABASE=sqlite and a run folder of its own.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def suite_on_sqlite() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def pytest_on_sqlite(test_file: str, run_dir: Path, *, select: str, timeout: float = 900) -> int:
    """Run the tests of `test_file` that `select` (a -k expression) picks in a child pytest on SQLite.

    Fails with the child's report unless every test it ran passed; returns how many passed."""
    env = {**os.environ, "INLOOP_TEST_DATABASE": "sqlite", "INLOOP_RUN_DIR": str(run_dir)}
    result = subprocess.run(  # noqa: S603 (this interpreter, this suite)
        [sys.executable, "-m", "pytest", test_file, "-q", "-p", "no:cacheprovider", "-k", select, "--tb=short"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and not re.search(r"\d+ (failed|error|skipped)", result.stdout), report
    return int(passed.group(1))
