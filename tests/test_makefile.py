"""`make run` and `make test` check the Python they will use first, and say plainly what is missing."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")

OLD_PYTHON = """#!/bin/sh
# Stands for a Python 3.11: prints its version and fails the version check, as 3.11 would.
case "$1" in --version) echo "Python 3.11.9";; *) exit 1;; esac
"""


def _check(tmp_path: Path, python: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-s", "-C", str(settings.BASE_DIR), "python-check", f"PYTHON={python}", f"VENV={tmp_path / 'venv'}"],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_python_too_old_is_named_with_the_way_out(tmp_path):
    old = tmp_path / "python3.11"
    old.write_text(OLD_PYTHON)
    old.chmod(0o755)

    result = _check(tmp_path, str(old))

    assert result.returncode != 0
    assert f"Inloop needs Python 3.12 or 3.13 (found {old}: Python 3.11.9)." in result.stderr
    assert "make run PYTHON=python3.12" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_python_is_said_plainly(tmp_path):
    result = _check(tmp_path, "no-such-python-here")

    assert result.returncode != 0
    assert "(found no-such-python-here: not installed)" in result.stderr


def test_the_python_running_the_suite_passes_the_check(tmp_path):
    result = _check(tmp_path, sys.executable)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_run_and_install_go_through_the_check():
    dry_run = subprocess.run(
        ["make", "-n", "-C", str(settings.BASE_DIR), "run", "VENV=/nonexistent/venv"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = dry_run.stdout
    assert lines.index("Inloop needs Python 3.12 or 3.13") < lines.index("-m venv /nonexistent/venv")


def test_the_readme_states_the_python_make_run_needs():
    readme = (settings.BASE_DIR / "README.md").read_text()
    version = (settings.BASE_DIR / ".python-version").read_text().strip()

    assert f"`make run` needs nothing but Python {version}" in readme
