"""gunicorn.conf.py: the image's command reads it, and it sets workers and timeouts from the environment."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

CONF = settings.BASE_DIR / "gunicorn.conf.py"


def image_command() -> list[str]:
    """The Dockerfile's CMD (exec form)."""
    commands = [line for line in (settings.BASE_DIR / "Dockerfile").read_text().splitlines() if line.startswith("CMD ")]
    assert len(commands) == 1, commands
    return json.loads(commands[0].removeprefix("CMD "))


def resolved(command: list[str], **env: str) -> dict[str, str]:
    """gunicorn's own view of the configuration that `command` starts with (`--print-config`)."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    assert gunicorn, "gunicorn is not installed beside this Python"
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("GUNICORN_", "WEB_CONCURRENCY"))}
    result = subprocess.run(
        [gunicorn, *command[1:], "--print-config"],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, flags=re.MULTILINE))


def test_the_image_command_reads_the_config_file():
    command = image_command()
    assert command[:2] == ["gunicorn", "inloop.wsgi:application"]
    assert command[command.index("--config") + 1] == "gunicorn.conf.py"
    assert CONF.exists()


def test_workers_and_timeouts_have_explicit_defaults():
    config = resolved(image_command())
    assert config["timeout"] == "30"
    assert config["graceful_timeout"] == "25"
    assert config["workers"] == str(2 * (os.cpu_count() or 1) + 1)
    assert config["bind"] == "['0.0.0.0:8000']"
    assert config["accesslog"] == "-"


def test_workers_and_timeouts_come_from_the_environment():
    config = resolved(image_command(), WEB_CONCURRENCY="7", GUNICORN_TIMEOUT="90", GUNICORN_GRACEFUL_TIMEOUT="40")
    assert (config["workers"], config["timeout"], config["graceful_timeout"]) == ("7", "90", "40")


def test_a_nonsense_value_stops_the_server_from_starting():
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    result = subprocess.run(
        [gunicorn, *image_command()[1:], "--check-config"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "GUNICORN_TIMEOUT": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "GUNICORN_TIMEOUT must be a positive whole number" in result.stdout + result.stderr


@pytest.mark.parametrize("variable", ["WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT"])
def test_each_setting_is_in_the_readme_configuration_table(variable):
    assert variable in CONF.read_text()
    rows = [line for line in (settings.BASE_DIR / "README.md").read_text().splitlines() if line.startswith("| `")]
    assert any(f"`{variable}`" in row.split("|")[1] for row in rows), variable
