from typing import NamedTuple

import pytest
from django.conf import settings


class SentTask(NamedTuple):
    name: str
    args: list
    kwargs: dict
    countdown: float | None


@pytest.fixture
def sent_tasks(monkeypatch):
    """The task messages the code sends (recruiting.task_calls.enqueue_on_commit), recorded instead of sent."""
    from inloop.celery import app

    sent: list[SentTask] = []

    def send_task(name, args=None, kwargs=None, countdown=None, **options):
        sent.append(SentTask(name, list(args or []), dict(kwargs or {}), countdown))

    monkeypatch.setattr(app, "send_task", send_task)
    return sent


def _cache_reset() -> None:
    from django.core.cache import cache

    from api.webhooks import LISTENING_CACHE_KEY

    cache.clear()
    # No expiry: a test that moves the clock must not find it expired (the cache reads the moved clock).
    cache.set(LISTENING_CACHE_KEY, [], None)


@pytest.fixture(autouse=True)
def _cache_as_the_database():
    """Each test starts with a cache that tells the truth about its empty database: the rows a test wrote
    are rolled back after it, so what the cache remembers of them (rate-limit counts, the candidate pages'
    POST limits included) goes, and the webhook
    subscriptions listening are none, as a running firm's warm cache would say (api.webhooks forgets them
    whenever a subscription changes through its services: a test that makes one otherwise, say with a
    factory, must forget them too, or its events find nobody listening)."""
    _cache_reset()


@pytest.fixture(autouse=True, scope="module")
def _cache_as_the_database_for_the_module():
    """The same before a module's own fixtures write their data (the demo firm of the admin's tests): what
    the previous module's last test left in the cache (a subscription since rolled back) is not theirs."""
    _cache_reset()


@pytest.fixture
def requires_postgres(db):
    """Skip (or, with INLOOP_REQUIRE_SERVICES=1, fail) when the suite is not on PostgreSQL."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        if settings.REQUIRE_SERVICES:
            pytest.fail("PostgreSQL is required (INLOOP_REQUIRE_SERVICES=1) but the suite is not using it")
        pytest.skip("needs PostgreSQL")


@pytest.fixture
def requires_redis():
    if not settings.REDIS_AVAILABLE:
        pytest.skip("needs Redis on 127.0.0.1:6379")


@pytest.fixture
def recruiter(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def admin_user(db):
    from tests.factories import UserFactory

    return UserFactory(is_staff=True, is_superuser=True, profile__role="admin")
