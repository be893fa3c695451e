"""Password reset, throttled per email address asked for and per client address, never telling who exists."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from recruiting import ratelimit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
# A Redis cache on a port where nothing listens: every cache call fails at once.
DEAD_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch):
    monkeypatch.setattr(ratelimit, "_cache_down", False)
    cache.clear()
    yield
    cache.clear()


def ask_for_reset(client, email: str, *, ip: str = "203.0.113.7", **extra):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip, **extra)


def test_nine_requests_in_one_second_send_at_most_the_allowed_emails(client, settings):
    UserFactory(email="reset.me@firm.example")
    with time_machine.travel(NOON, tick=False):
        responses = [ask_for_reset(client, "reset.me@firm.example") for _ in range(9)]
    assert len(mail.outbox) == settings.INLOOP_PASSWORD_RESETS_PER_HOUR == 3
    # Every answer is the same "check your email" page, sent or not.
    assert {(r.status_code, r.url) for r in responses} == {(302, reverse("password_reset_done"))}


def test_the_limit_is_per_account_whatever_the_case_of_the_address(client, settings):
    UserFactory(email="reset.me@firm.example")
    with time_machine.travel(NOON, tick=False):
        for index in range(5):
            ask_for_reset(
                client, "Reset.Me@Firm.Example" if index % 2 else "reset.me@firm.example", ip=f"198.51.100.{index}"
            )
    assert len(mail.outbox) == settings.INLOOP_PASSWORD_RESETS_PER_HOUR


def test_the_answer_does_not_tell_whether_an_account_exists(client, settings):
    UserFactory(email="known@firm.example")
    with time_machine.travel(NOON, tick=False):
        known = [ask_for_reset(client, "known@firm.example", ip="198.51.100.1") for _ in range(5)]
        unknown = [ask_for_reset(client, "nobody@firm.example", ip="198.51.100.2") for _ in range(5)]
    assert [(r.status_code, r.url) for r in known] == [(r.status_code, r.url) for r in unknown]
    assert {message.to[0] for message in mail.outbox} == {"known@firm.example"}


def test_an_address_asking_too_often_gets_429_and_others_do_not(client, settings):
    limit = settings.INLOOP_PASSWORD_RESET_REQUESTS_PER_HOUR_PER_ADDRESS
    with time_machine.travel(NOON, tick=False):
        for index in range(limit):
            assert ask_for_reset(client, f"person{index}@firm.example").status_code == 302
        refused = ask_for_reset(client, "one.more@firm.example")
        assert refused.status_code == 429
        assert refused["Retry-After"] == "3600"
        assert "Too many password reset requests" in refused.content.decode()
        assert ask_for_reset(client, "one.more@firm.example", ip="198.51.100.20").status_code == 302


def test_behind_a_trusted_proxy_the_client_address_is_counted_not_the_proxy(client, settings):
    settings.INLOOP_TRUSTED_PROXY_COUNT = 1
    limit = settings.INLOOP_PASSWORD_RESET_REQUESTS_PER_HOUR_PER_ADDRESS
    with time_machine.travel(NOON, tick=False):
        for index in range(limit + 1):
            ask_for_reset(client, f"person{index}@firm.example", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
        other = ask_for_reset(client, "someone@firm.example", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert other.status_code == 302


def test_the_limits_lift_after_an_hour(client, settings):
    UserFactory(email="reset.me@firm.example")
    with time_machine.travel(NOON, tick=False):
        for _ in range(5):
            ask_for_reset(client, "reset.me@firm.example")
    assert len(mail.outbox) == 3
    with time_machine.travel(NOON + timedelta(hours=1, seconds=1), tick=False):
        ask_for_reset(client, "reset.me@firm.example")
    assert len(mail.outbox) == 4


def test_a_cache_outage_lets_resets_through_and_is_logged_once(client, settings, caplog):
    UserFactory(email="reset.me@firm.example")
    settings.CACHES = DEAD_CACHE
    with caplog.at_level(logging.WARNING, logger="recruiting.ratelimit"):
        responses = [ask_for_reset(client, "reset.me@firm.example") for _ in range(2)]
    assert [r.status_code for r in responses] == [302, 302]
    assert len(mail.outbox) == 2
    warnings = [r.getMessage() for r in caplog.records if r.name == "recruiting.ratelimit"]
    assert len(warnings) == 1
    assert warnings[0].startswith("The cache is not answering (ConnectionError)")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with caplog.at_level(logging.WARNING, logger="recruiting.ratelimit"):
        ask_for_reset(client, "reset.me@firm.example")
    assert "The cache answers again" in caplog.records[-1].getMessage()
