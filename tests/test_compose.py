"""docker-compose.yml is a valid Compose file that requires its secret (no Docker engine needed)."""

import os
import shutil
import subprocess

import pytest
from django.conf import settings

SERVICES = {"postgres", "redis", "mailpit", "web", "worker", "beat"}


def compose_command() -> list[str]:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=60)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    reason = "no Docker Compose on this machine (neither `docker compose` nor docker-compose)"
    if settings.REQUIRE_SERVICES:
        pytest.fail(reason)
    pytest.skip(reason)


def compose(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "INLOOP_", "COMPOSE_"))}
    return subprocess.run(
        [*compose_command(), "--file", str(settings.BASE_DIR / "docker-compose.yml"), *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_compose_config_is_valid():
    result = compose("config", "-q", DJANGO_SECRET_KEY="a-long-random-secret-for-the-config-check")
    assert result.returncode == 0, result.stderr


def test_compose_defines_every_service():
    result = compose("config", "--services", DJANGO_SECRET_KEY="a-long-random-secret-for-the-config-check")
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == SERVICES


def test_compose_refuses_to_run_without_a_secret():
    result = compose("config", "-q")
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr
