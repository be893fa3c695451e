"""The cache (a Redis server of its own, as in production) stopped mid-test: degrade, never lose.

Must hold: a candidate who unsubscribes, pauses or stops all contact during the outage gets the normal
answer and the choice is recorded (the rate limit fails open); the operator sees the outage in `/healthz`
(200, "degraded", the cache named) and in the log; when the cache is back, limits count again.
"""

import logging

import pytest
import redis
from django.urls import reverse

from candidates import links
from candidates.models import Candidate
from recruiting import ratelimit
from recruiting.models import AuditLog
from tests.factories import CandidateFactory
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_server(requires_redis, settings, monkeypatch):
    """A private redis-server as Django's cache, configured as the production settings configure it."""
    monkeypatch.setattr(ratelimit, "_cache_down", False)
    with RedisServer() as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": server.url,
                "KEY_PREFIX": "inloop",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        yield server


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


def unsubscribe(client, candidate: Candidate):
    return client.post(
        _path(links.unsubscribe_url(candidate)),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )


def choose(client, candidate: Candidate, choice: str):
    token = _path(links.status_page_url(candidate)).rstrip("/").rsplit("/", 1)[-1]
    return client.post(reverse("candidates:preferences", args=[token]), {"choice": choice})


def test_a_candidates_choices_are_recorded_while_the_cache_is_down_and_healthz_says_degraded(
    cache_server, client, caplog
):
    before, during, stopping = CandidateFactory(), CandidateFactory(), CandidateFactory()

    assert unsubscribe(client, before).status_code == 200
    # The limit really counts in the private Redis while it runs.
    assert redis.Redis.from_url(cache_server.url).keys("inloop:*candidate-post*")
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}

    cache_server.stop()
    with caplog.at_level(logging.WARNING):
        assert unsubscribe(client, during).status_code == 200
        assert choose(client, stopping, "stop").status_code == 302
        health = client.get("/healthz")

    during.refresh_from_db()
    stopping.refresh_from_db()
    assert during.automated_updates_paused
    assert stopping.do_not_contact
    assert AuditLog.objects.filter(action="candidate.preferences", object_id__in=[during.pk, stopping.pk]).count() == 2

    assert health.status_code == 200
    assert health.json() == {"status": "degraded", "database": "ok", "cache": "down", "broker": "ok"}
    logged = [(record.name, record.levelno, record.getMessage()) for record in caplog.records]
    outage = [message for name, _, message in logged if name == "recruiting.ratelimit"]
    assert len(outage) == 1, "one warning for the outage, not one per request"
    assert outage[0].startswith("The cache is not answering")
    assert any(name == "inloop.health" and "the cache is down" in message for name, _, message in logged)

    cache_server.start()
    with caplog.at_level(logging.WARNING, logger="recruiting.ratelimit"):
        assert unsubscribe(client, CandidateFactory()).status_code == 200
    assert caplog.records[-1].getMessage() == "The cache answers again: rate limits are counted again."
    assert client.get("/healthz").json()["status"] == "ok"


def test_while_the_cache_is_down_the_limit_lets_everything_through(cache_server, client, settings):
    candidate = CandidateFactory()
    cache_server.stop()
    answers = [
        choose(client, candidate, "pause").status_code for _ in range(settings.INLOOP_CANDIDATE_POSTS_PER_HOUR + 2)
    ]
    assert set(answers) == {302}
    candidate.refresh_from_db()
    assert candidate.automated_updates_paused


def test_on_redis_a_window_counts_each_hit_and_keeps_the_expiry_of_its_first(cache_server):
    """One round trip a hit (SET NX EX, then INCR): the count goes on, the window is not extended by
    later hits, and a key gone with its window starts a new one at 1."""
    server = redis.Redis.from_url(cache_server.url)
    assert [ratelimit.window_hit("hits", window_seconds=60) for _ in range(3)] == [1, 2, 3]
    (key,) = server.keys("inloop:*hits")
    server.expire(key, 5)  # as if the window were nearly over
    assert ratelimit.window_hit("hits", window_seconds=60) == 4
    assert 0 < server.ttl(key) <= 5
    server.delete(key)
    assert ratelimit.window_hit("hits", window_seconds=60) == 1
    assert 55 <= server.ttl(key) <= 60
