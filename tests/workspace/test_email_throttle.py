"""The workspace forms that email candidates (personal email, check-in, bulk check-in) share one hourly
limit per user, counted in the cache by recruiting.ratelimit, which lets them through when it is down."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from notifications.models import OutboundMessage
from recruiting import ratelimit
from recruiting.models import Stage
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DEAD_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch, settings):
    monkeypatch.setattr(ratelimit, "_cache_down", False)
    settings.INLOOP_EMAIL_FORMS_PER_HOUR = 2
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner(client):
    user = UserFactory()
    client.force_login(user)
    return user


def _application(owner):
    return ApplicationFactory(candidate__owner=owner, owner=owner, job__owner=owner, stage=Stage.SCREENING)


def _personal_email(client, application):
    return client.post(
        reverse("candidate_email", args=[application.candidate_id]),
        {"application": application.pk, "subject": "Hello", "body": "News soon.", "send_token": uuid.uuid4()},
    )


def _check_in(client, application):
    return client.post(reverse("application_check_in", args=[application.pk]))


def _bulk_check_in(client, application):
    return client.post(reverse("applications_check_in"), {"applications": [application.pk]})


@pytest.mark.parametrize("send", [_personal_email, _check_in, _bulk_check_in])
def test_over_the_hourly_limit_the_form_answers_429_and_queues_nothing(client, owner, send):
    answers = [send(client, _application(owner)).status_code for _ in range(3)]

    assert answers[:2] == [302, 302] and answers[2] == 429
    assert OutboundMessage.objects.count() == 2


def test_the_forms_share_one_count_per_user_and_another_user_is_not_held_back(client, owner):
    _personal_email(client, _application(owner))
    _check_in(client, _application(owner))

    assert _bulk_check_in(client, _application(owner)).status_code == 429
    colleague = UserFactory()
    client.force_login(colleague)
    assert _check_in(client, _application(colleague)).status_code == 302


def test_the_limit_lifts_after_an_hour(client, owner):
    with time_machine.travel(NOON, tick=False) as traveller:
        for _ in range(3):
            _check_in(client, _application(owner))
        traveller.shift(timedelta(hours=1, seconds=1))
        assert _check_in(client, _application(owner)).status_code == 302


def test_an_htmx_check_in_over_the_limit_says_why_in_place(client, owner):
    for _ in range(2):
        _check_in(client, _application(owner))

    response = client.post(
        reverse("application_check_in", args=[_application(owner).pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 429 and "in the last hour" in response.content.decode()


def test_with_the_cache_down_the_forms_are_let_through(client, owner, settings):
    settings.CACHES = DEAD_CACHE

    answers = [_check_in(client, _application(owner)).status_code for _ in range(3)]

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert answers == [302, 302, 302]
    assert OutboundMessage.objects.count() == 3
