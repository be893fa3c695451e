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


def service_blocks(config: str) -> dict[str, str]:
    """Each service's part of `compose config`'s YAML, keyed by service name (two-space indented keys)."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_services = False
    for line in config.splitlines():
        if not line.startswith(" "):
            in_services = line.rstrip() == "services:"
            current = None
            continue
        if in_services and line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
            current = blocks.setdefault(line.strip().rstrip(":"), [])
            continue
        if in_services and current is not None:
            current.append(line)
    return {name: "\n".join(lines) for name, lines in blocks.items()}


def setting(block: str, key: str) -> str | None:
    """The scalar value of `key` anywhere in a service block, unquoted (None when absent)."""
    for line in block.splitlines():
        name, colon, value = line.strip().partition(":")
        if colon and name == key and value.strip():
            return value.strip().strip("'\"")
    return None


@pytest.fixture(scope="module")
def composed() -> dict[str, str]:
    result = compose("config", DJANGO_SECRET_KEY="a-long-random-secret-for-the-config-check")
    assert result.returncode == 0, result.stderr
    return service_blocks(result.stdout)


def test_every_service_restarts_unless_stopped(composed):
    assert set(composed) == SERVICES
    assert {name: setting(block, "restart") for name, block in composed.items()} == dict.fromkeys(
        SERVICES, "unless-stopped"
    )


def test_the_web_server_runs_gunicorn_with_explicit_workers_and_timeouts(composed):
    web = composed["web"]
    assert "exec gunicorn inloop.wsgi:application --config gunicorn.conf.py" in " ".join(web.split())
    assert setting(web, "WEB_CONCURRENCY") == "3"
    assert setting(web, "GUNICORN_TIMEOUT") == "30"
    assert setting(web, "GUNICORN_GRACEFUL_TIMEOUT") == "25"
    # Docker's own default (10 s) would kill requests that gunicorn is still letting finish.
    grace = setting(web, "stop_grace_period")
    assert grace is not None and grace.endswith("s") and int(grace[:-1]) > 25


def test_the_web_server_settings_come_from_the_environment():
    result = compose(
        "config",
        DJANGO_SECRET_KEY="a-long-random-secret-for-the-config-check",
        WEB_CONCURRENCY="8",
        GUNICORN_TIMEOUT="45",
        GUNICORN_GRACEFUL_TIMEOUT="20",
    )
    assert result.returncode == 0, result.stderr
    web = service_blocks(result.stdout)["web"]
    assert (setting(web, "WEB_CONCURRENCY"), setting(web, "GUNICORN_TIMEOUT")) == ("8", "45")
    assert setting(web, "GUNICORN_GRACEFUL_TIMEOUT") == "20"
