"""The candidate pages' rate limit fails open: with no cache, a candidate's choice is still recorded."""

import logging

import pytest

from candidates import links
from recruiting import ratelimit
from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db

# A Redis cache on a port where nothing listens: every cache call fails at once.
DEAD_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def test_unsubscribe_is_recorded_and_the_outage_logged_once_when_the_cache_is_down(
    client, settings, caplog, monkeypatch
):
    monkeypatch.setattr(ratelimit, "_cache_down", False)
    settings.CACHES = DEAD_CACHE
    candidates = CandidateFactory.create_batch(3)
    with caplog.at_level(logging.WARNING, logger="recruiting.ratelimit"):
        answers = [
            client.post(
                links.unsubscribe_url(candidate).removeprefix("http://testserver"),
                "List-Unsubscribe=One-Click",
                content_type="application/x-www-form-urlencoded",
            ).status_code
            for candidate in candidates
        ]
    assert answers == [200, 200, 200]
    for candidate in candidates:
        candidate.refresh_from_db()
        assert candidate.automated_updates_paused
    assert [record.getMessage() for record in caplog.records] == [
        "The cache is not answering (ConnectionError): rate limits are not counted, and requests are let through, "
        "until it does."
    ]
