"""`/healthz`: 503 only without a database; a cache or broker that is down or hangs makes it "degraded"."""

import logging
import socket
import time

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from inloop import health
from inloop.celery import app as celery_app

pytestmark = pytest.mark.django_db

NOTHING_LISTENS = "redis://127.0.0.1:1/0"


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections (the kernel's backlog) and never says a word: a hung service."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


@pytest.fixture
def broker_at():
    def point(url: str | None) -> None:
        celery_app.conf.broker_write_url = url

    yield point
    point(None)


def test_all_parts_answer(client, requires_redis):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_a_broker_that_is_down_is_reported_degraded_with_a_log_line(client, broker_at, caplog):
    broker_at(NOTHING_LISTENS)
    with caplog.at_level(logging.WARNING, logger="inloop.health"):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "ok"
    assert [r.getMessage() for r in caplog.records] == [
        "Health check: the broker is down (OperationalError); the site works without it, degraded."
    ]


def test_a_cache_that_hangs_does_not_hold_the_answer_up(client, settings, silent_server, caplog):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": silent_server}}
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="inloop.health"):
        response = client.get("/healthz")
    # A fault bar, not a performance figure: a load balancer's probe must get an answer.
    assert time.monotonic() - started < health.CHECK_TIMEOUT_SECONDS + 2
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["cache"] == "down"
    assert "the cache is down (no answer within 1 s)" in caplog.text


def test_without_a_database_it_answers_503(client, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "down"}
