"""F10 under concurrency: the provider retries while the first delivery is still being handled."""

import threading

import pytest
from django.db import connection
from django.test import Client

from notifications.models import Suppression, TrackingEvent
from recruiting.models import RecruiterPrompt
from tests.factories import ApplicationFactory, CandidateFactory
from tests.notifications.test_tracking import BASIC_AUTH, SIGNING_KEY, _auth, _mailgun_bounce


@pytest.fixture
def mailgun_url(settings):
    settings.INLOOP_TRACKING_ESP = "mailgun"
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    return "/n/tracking/mailgun/"


def _post_together(url: str, bodies: list[str]) -> list[int]:
    barrier = threading.Barrier(len(bodies))
    codes: list[int] = []

    def deliver(body: str) -> None:
        try:
            barrier.wait(timeout=10)
            codes.append(Client().post(url, body, content_type="application/json", **_auth()).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return codes


@pytest.mark.usefixtures("requires_postgres")
@pytest.mark.django_db(transaction=True)
def test_the_same_bounce_delivered_four_times_at_once_counts_once(mailgun_url):
    candidate = CandidateFactory(email="kofi.boateng@mail.example")
    application = ApplicationFactory(candidate=candidate)

    codes = _post_together(mailgun_url, [_mailgun_bounce(candidate.email)] * 4)

    assert codes == [200, 200, 200, 200]
    assert TrackingEvent.objects.count() == 1
    assert Suppression.objects.count() == 1
    assert RecruiterPrompt.objects.filter(application=application).count() == 1


@pytest.mark.usefixtures("requires_postgres")
@pytest.mark.django_db(transaction=True)
def test_different_bounces_for_one_address_at_once_keep_one_suppression(mailgun_url):
    candidate = CandidateFactory(email="ama.owusu@mail.example")
    ApplicationFactory(candidate=candidate)
    bodies = [_mailgun_bounce(candidate.email, token=f"token-{n}-" + "x" * 40) for n in range(4)]

    codes = _post_together(mailgun_url, bodies)

    assert codes == [200, 200, 200, 200]
    assert TrackingEvent.objects.count() == 4
    assert Suppression.objects.count() == 1
    assert RecruiterPrompt.objects.filter(resolved_at__isnull=True).count() == 1
