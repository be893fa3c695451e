"""Production settings: `check --deploy` is clean with real configuration, and nothing starts without a secret."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "inloop.settings.production",
    "DATABASE_URL": "postgres://inloop:secret@db.internal:5432/inloop",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "DJANGO_ALLOWED_HOSTS": "inloop.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://inloop.example.com",
    "INLOOP_BASE_URL": "https://inloop.example.com",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py in a fresh process with only the given configuration (none of this machine's)."""
    base = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "TMPDIR")}
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_a_real_secret():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV, DJANGO_SECRET_KEY=secrets.token_urlsafe(50)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr and "?:" not in result.stderr


def test_check_deploy_flags_a_weak_secret():
    # Proves the check above is really looking: the same settings with a poor key are reported.
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV, DJANGO_SECRET_KEY="short")
    assert result.returncode != 0
    assert "security.W009" in result.stderr


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    del env[missing]
    result = manage("check", **env)
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def production_setting(expression: str, **env: str) -> str:
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        f"from django.conf import settings; print({expression})",
        **{**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_cache_is_shared_redis_by_default():
    # Rate limits and job-close progress must be seen by every web process and worker.
    assert production_setting("settings.CACHES['default']['BACKEND']") == "django.core.cache.backends.redis.RedisCache"
    assert production_setting("settings.CACHES['default']['LOCATION']") == "redis://redis.internal:6379/0"


def test_production_cache_url_overrides_the_default():
    location = production_setting("settings.CACHES['default']['LOCATION']", CACHE_URL="redis://cache.internal:6379/1")
    assert location == "redis://cache.internal:6379/1"


def test_outbox_timings_come_from_the_environment():
    assert production_setting("settings.INLOOP_OUTBOX_MAX_ATTEMPTS", INLOOP_OUTBOX_MAX_ATTEMPTS="3") == "3"
