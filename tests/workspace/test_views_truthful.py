"""The outbox and home page say what is true at a glance: whose messages (mine by default), times in the
viewer's zone with the zone shown and a countdown for held ones, sent times, cancelled and suppressed rows
worded as such; a waiting message on the home page; a paused candidate's check-in reported as suppressed."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundMessage
from recruiting.models import Stage
from tests.factories import ApplicationFactory, CandidateFactory, OutboundMessageFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON_UTC = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _message(owner, status, key, **fields):
    application = ApplicationFactory(candidate__owner=owner, owner=owner)
    return OutboundMessageFactory(application=application, status=status, idempotency_key=f"t:{key}", **fields)


def test_mine_by_default_then_everyones(client, recruiter):
    mine = _message(recruiter, "held", "mine")
    theirs = _message(UserFactory(), "held", "theirs")
    client.force_login(recruiter)

    assert client.get(reverse("outbox")).context["messages_page"].items == [mine]
    everyone = client.get(reverse("outbox"), {"owner": "all"}).context["messages_page"].items
    assert set(everyone) == {mine, theirs}
    assert client.get(reverse("outbox"), {"owner": "x"}).status_code == 404


@time_machine.travel(NOON_UTC, tick=False)
def test_times_are_in_the_viewers_zone_with_the_zone_and_a_countdown(client):
    viewer = UserFactory(profile__time_zone="Europe/Paris")
    _message(viewer, "held", "held", send_after=NOON_UTC + timedelta(minutes=10))
    sent = _message(viewer, "sent", "sent", sent_at=NOON_UTC - timedelta(hours=1))
    client.force_login(viewer)

    held_page = client.get(reverse("outbox")).content.decode()
    sent_page = client.get(reverse("outbox"), {"status": "sent"}).content.decode()

    assert "Times in Europe/Paris." in held_page
    assert 'Goes out after <time datetime="2026-12-01T13:10:00+01:00">Tuesday 1 December, 13:10 CET</time>' in held_page
    assert 'data-countdown="2026-12-01T13:10:00+01:00"' in held_page
    assert 'Sent <time datetime="2026-12-01T12:00:00+01:00">Tuesday 1 December, 12:00 CET</time>' in sent_page
    assert sent.subject in sent_page


def test_cancelled_and_suppressed_rows_say_so(client, recruiter):
    _message(recruiter, "cancelled", "c", send_after=timezone.now())
    _message(recruiter, "suppressed", "s", status_reason="The candidate paused automated updates.")
    client.force_login(recruiter)

    cancelled = client.get(reverse("outbox"), {"status": "cancelled"}).content.decode()
    suppressed = client.get(reverse("outbox"), {"status": "suppressed"}).content.decode()

    assert "Cancelled: it will not be sent." in cancelled and "Goes out after" not in cancelled
    assert "Not sent (suppressed):" in suppressed and "paused automated updates" in suppressed


def test_the_home_row_says_a_message_is_waiting(client, recruiter, django_capture_on_commit_callbacks):
    application = ApplicationFactory(
        owner=recruiter,
        candidate__owner=recruiter,
        stage=Stage.SCREENING,
        next_update_due=timezone.now() - timedelta(days=1),
    )
    client.force_login(recruiter)
    assert "Message waiting" not in client.get(reverse("home")).content.decode()

    with django_capture_on_commit_callbacks():
        client.post(reverse("application_check_in", args=[application.pk]))
    page = client.get(reverse("home")).content.decode()

    message = OutboundMessage.objects.get(application=application)
    assert "Message waiting: goes out after" in page
    assert reverse("outbox_message", args=[message.pk]) in page


def test_a_paused_candidates_check_in_is_reported_as_suppressed_with_the_reason(client, recruiter):
    candidate = CandidateFactory(owner=recruiter, automated_updates_paused=True)
    application = ApplicationFactory(owner=recruiter, candidate=candidate, stage=Stage.SCREENING)
    client.force_login(recruiter)

    response = client.post(reverse("application_check_in", args=[application.pk]), HTTP_HX_REQUEST="true")

    text = response.content.decode()
    assert "suppressed, not sent: The candidate paused automated updates." in text
    assert "listed in the outbox" in text
    assert OutboundMessage.objects.get(application=application).status == OutboundMessage.Status.SUPPRESSED
