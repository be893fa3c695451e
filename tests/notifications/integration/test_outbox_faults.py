"""The outbox with real processes: a Celery worker subprocess, Redis, PostgreSQL and an SMTP sink on
loopback (fault drills F1, F6, F7, F8, F9, F11). Each asserts at the sink how often a message arrived."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from candidates.services.people import candidate_set_preferences
from notifications.models import MessageAttempt, OutboundMessage
from notifications.services import messages as message_services
from notifications.services import outbox
from notifications.services import relay as relay_services
from recruiting import policy
from recruiting.models import ContactEvent, RecruiterPrompt
from recruiting.services import application_create
from tests.factories import CandidateFactory, JobFactory, UserFactory
from tests.support.processes import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
Status = OutboundMessage.Status
Outcome = MessageAttempt.Outcome


@pytest.fixture(autouse=True)
def services(requires_postgres, requires_redis, outbox_worker):
    return outbox_worker


def status_of(message: OutboundMessage) -> str:
    return OutboundMessage.objects.values_list("status", flat=True).get(pk=message.pk)


def wait_for_status(message: OutboundMessage, status: str, worker, timeout: float = 30) -> OutboundMessage:
    try:
        wait_for(lambda: status_of(message) == status, timeout=timeout, what=f"message {message.pk} to be {status}")
    except AssertionError as error:
        raise AssertionError(f"{error} (now {status_of(message)})\n{worker.log()[-3000:]}") from error
    return OutboundMessage.objects.select_related("application").get(pk=message.pk)


def acknowledgment(**candidate) -> OutboundMessage:
    """A new application's acknowledgment, held in its hold window (no worker wakes up for it yet)."""
    candidate = CandidateFactory(**candidate)
    application = application_create(candidate=candidate, job=JobFactory(owner=candidate.owner), by=candidate.owner)
    return OutboundMessage.objects.get(application=application)


def released(message: OutboundMessage) -> OutboundMessage:
    """The recruiter clicks "send now": queued, and a worker is woken after commit."""
    return message_services.message_send_now(message=message, by=message.application.owner)


def canary(key: str) -> OutboundMessage:
    """A message to a recruiter, due at once: once it arrives, the worker has been through the queue."""
    user = UserFactory()
    return outbox.message_queue(
        idempotency_key=f"canary:{key}", template_code="digest", to_address=user.email,
        context={"recruiter_name": "Sam"}, recipient_user=user, hold_minutes=0, respect_business_hours=False,
    )  # fmt: skip


def test_a_released_message_arrives_once_with_its_headers_and_is_logged(smtp_sink, services):
    message = released(acknowledgment(first_name="Ana"))
    sent = wait_for_status(message, Status.SENT, services)
    (arrived,) = smtp_sink.received
    assert arrived.message_id == message.message_id
    assert arrived.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert arrived.message["List-Unsubscribe"].startswith("<http://testserver/")
    assert ContactEvent.objects.get(message=sent).application == sent.application
    assert sent.application.last_informed_at == sent.sent_at


def test_an_exception_after_the_stage_change_sends_nothing_F1(smtp_sink, services):
    with pytest.raises(RuntimeError), transaction.atomic():
        application_create(candidate=CandidateFactory(), job=JobFactory(), by=None)
        raise RuntimeError("the request failed after the stage change")
    assert not OutboundMessage.objects.exists()
    assert redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("mail") == 0
    probe = canary("f1")
    smtp_sink.wait_for(lambda: smtp_sink.count(probe.message_id) == 1, what="the canary")
    assert smtp_sink.count() == 1
    assert OutboundMessage.objects.count() == 1


def test_a_4xx_is_retried_with_growing_backoff_and_delivered_once_F6(smtp_sink, services):
    smtp_sink.program("451", "451")
    message = released(acknowledgment())
    sent = wait_for_status(message, Status.SENT, services)
    attempts = list(sent.attempt_log.all())
    assert [(a.outcome, a.smtp_code) for a in attempts] == [
        (Outcome.TRANSIENT, 451), (Outcome.TRANSIENT, 451), (Outcome.SENT, 250)
    ]  # fmt: skip
    first_gap, second_gap = attempts[1].at - attempts[0].at, attempts[2].at - attempts[1].at
    assert first_gap >= dt.timedelta(seconds=0.5) and second_gap >= dt.timedelta(seconds=1)
    assert smtp_sink.count(message.message_id) == 1
    assert smtp_sink.attempts == ["451", "451", "accept"]


def test_a_5xx_fails_once_prompts_and_leaves_the_candidate_uninformed_F7(smtp_sink, services):
    smtp_sink.program("550@rcpt")
    message = released(acknowledgment())
    failed = wait_for_status(message, Status.FAILED, services)
    assert relay_services.messages_relay().due == 0
    probe = canary("f7")
    smtp_sink.wait_for(lambda: smtp_sink.count(probe.message_id) == 1, what="the canary")
    assert [(a.outcome, a.smtp_code) for a in failed.attempt_log.all()] == [(Outcome.PERMANENT, 550)]
    assert RecruiterPrompt.objects.filter(application=failed.application, reason="delivery_failed").exists()
    failed.application.refresh_from_db()
    assert failed.application.last_informed_at is None
    assert smtp_sink.count(message.message_id) == 0


def test_a_stall_after_the_body_times_out_to_unknown_and_is_never_sent_again_F8(smtp_sink, services):
    smtp_sink.program("stall")
    message = released(acknowledgment())
    lost = wait_for_status(message, Status.UNKNOWN, services)
    assert [a.outcome for a in lost.attempt_log.all()] == [Outcome.UNKNOWN]
    assert RecruiterPrompt.objects.filter(application=lost.application, reason="outcome_unknown").exists()
    assert relay_services.messages_relay().due == 0
    probe = canary("f8")
    smtp_sink.wait_for(lambda: smtp_sink.count(probe.message_id) == 1, what="the canary")
    assert smtp_sink.count(message.message_id) == 1
    assert status_of(message) == Status.UNKNOWN


def test_a_candidate_who_opts_out_after_queueing_gets_nothing_F9(smtp_sink, services):
    message = acknowledgment()
    candidate_set_preferences(
        candidate=message.candidate, by=None, do_not_contact=True, reason="Asked us to stop", source="candidate"
    )
    suppressed = wait_for_status(released(message), Status.SUPPRESSED, services)
    assert suppressed.status_reason == "The candidate asked not to be contacted: Asked us to stop"
    assert smtp_sink.count() == 0
    assert not suppressed.attempt_log.exists()


def _zone_outside_business_hours(now: dt.datetime) -> str:
    """A fixed-offset zone where it is outside business hours right now (there always is one)."""
    for offset in range(-12, 15):
        name = f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"
        if not policy.within_business_hours(now, tz=ZoneInfo(name), hours=settings.INLOOP_BUSINESS_HOURS):
            return name
    raise AssertionError("no zone outside business hours")


def test_messages_held_up_by_an_outage_are_sent_late_or_moved_to_business_hours_never_dropped_F11(smtp_sink, services):
    # Written an hour ahead (nobody is woken), then made three hours overdue, as after an outage.
    anytime, windowed = (
        outbox.message_queue(
            idempotency_key=f"late:{name}", template_code="digest", to_address=f"{name}@firm.example",
            context={"recruiter_name": "Sam"}, hold_minutes=60, respect_business_hours=False,
        )
        for name in ("anytime", "windowed")
    )  # fmt: skip
    now = timezone.now()
    zone = _zone_outside_business_hours(now)
    OutboundMessage.objects.filter(pk=anytime.pk).update(send_after=now - dt.timedelta(hours=3))
    OutboundMessage.objects.filter(pk=windowed.pk).update(send_after=now - dt.timedelta(hours=3), send_window_tz=zone)
    assert relay_services.messages_relay().due == 2
    sent = wait_for_status(anytime, Status.SENT, services)
    assert sent.status_reason.startswith("Sent late: it was due")
    wait_for(
        lambda: OutboundMessage.objects.get(pk=windowed.pk).send_after > now,
        timeout=30,
        what="the windowed message to be rescheduled",
    )
    moved = OutboundMessage.objects.get(pk=windowed.pk)
    assert moved.status == Status.HELD
    assert "moved to the recipient's next business hours" in moved.status_reason
    assert policy.within_business_hours(moved.send_after, tz=ZoneInfo(zone), hours=settings.INLOOP_BUSINESS_HOURS)
    assert smtp_sink.count(anytime.message_id) == 1 and smtp_sink.count(windowed.message_id) == 0
