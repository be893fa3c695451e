"""Told means delivered (docs/rules.md#news-owed, docs/rules.md#candidate-wishes): a bounce or complaint after sending
un-tells the candidate; tracking events apply only to their own message's recipient and only while recent."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from notifications.models import OutboundMessage, Suppression, TrackingEvent
from notifications.services import messages as message_services
from notifications.services import sending
from notifications.services.tracking import tracking_event_record
from recruiting import selectors
from recruiting.models import Application, ContactEvent, RecruiterPrompt, Role
from recruiting.services import application_create, contact_log, scan
from tests.factories import CandidateFactory, JobFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 2, 10, tzinfo=UTC)
Reason = RecruiterPrompt.Reason


@pytest.fixture
def lead():
    return UserFactory(profile__role=Role.TEAM_LEAD)


@pytest.fixture
def sent(lead):
    """An application whose candidate was called on Monday, then emailed (sent) on Wednesday."""
    owner = UserFactory(profile__team=TeamFactory(lead=lead))
    candidate = CandidateFactory(owner=owner, email="Rosa.Diaz@mail.example")
    with time_machine.travel(MONDAY, tick=False):
        application = application_create(candidate=candidate, job=JobFactory(owner=owner), by=owner)
        contact_log(
            application=application,
            channel=ContactEvent.Channel.PHONE,
            direction=ContactEvent.Direction.OUTBOUND,
            by=owner,
        )
    wednesday = MONDAY + timedelta(days=2)
    with time_machine.travel(wednesday, tick=False):
        message = OutboundMessage.objects.get(application=application, template_code="acknowledgment")
        message_services.message_send_now(message=message, by=owner)
        assert sending.messages_send_due(worker="w", limit=10).sent == 1
    application.refresh_from_db()
    assert application.last_informed_at == wednesday
    message.refresh_from_db()
    return application, message


def bounce(message, *, at, recipient=None, timestamp=None, event_id="ev-1", event_type="bounced"):
    with time_machine.travel(at, tick=False):
        return tracking_event_record(
            esp_name="Mailgun",
            event_type=event_type,
            recipient=recipient or message.to_address,
            event_id=event_id,
            message_id=message.message_id,
            timestamp=timestamp or at,
            description="550 mailbox unavailable",
        )


def test_a_bounce_after_sending_untells_the_candidate(sent):
    application, message = sent
    monday_call_due = application.next_update_due
    thursday = MONDAY + timedelta(days=3)

    assert bounce(message, at=thursday) is not None

    contact = ContactEvent.objects.get(message=message)
    assert contact.delivered is False and not contact.informs_candidate  # on the timeline, counting for nothing
    application.refresh_from_db()
    assert application.last_informed_at == MONDAY  # the call before it
    assert application.next_update_due < monday_call_due
    assert application.next_update_due == datetime(2026, 11, 5, 10, tzinfo=UTC)  # 3 business days after Monday
    prompt = RecruiterPrompt.objects.get(application=application, reason=Reason.DELIVERY_FAILED)
    assert prompt.due_at == thursday
    assert prompt.escalate_at == application.escalate_at  # the schedule's step comes first
    assert prompt.message == message


def test_the_candidate_page_shows_the_email_as_not_delivered(sent, client):
    application, message = sent
    client.force_login(application.owner)
    url = reverse("candidate_detail", args=[application.candidate_id])
    assert "Not delivered" not in client.get(url).content.decode()
    bounce(message, at=MONDAY + timedelta(days=3))
    page = client.get(url).content.decode()
    assert page.count("Not delivered: it does not count as news") == 1


def test_the_failed_delivery_prompt_escalates_like_an_overdue_one(sent, lead):
    application, message = sent
    bounce(message, at=MONDAY + timedelta(days=3))
    prompt = RecruiterPrompt.objects.get(application=application, reason=Reason.DELIVERY_FAILED)
    with time_machine.travel(prompt.escalate_at - timedelta(minutes=1), tick=False):
        scan.prompts_scan_overdue()
    prompt.refresh_from_db()
    assert prompt.escalated_at is None
    with time_machine.travel(prompt.escalate_at, tick=False):
        scan.prompts_scan_overdue()
    prompt.refresh_from_db()
    assert (prompt.escalated_to, prompt.escalated_at) == (lead, prompt.escalate_at)


def test_the_figures_count_a_bounced_candidate_uninformed_until_reached_another_way(sent):
    application, message = sent
    thursday = MONDAY + timedelta(days=3)
    bounce(message, at=thursday)
    figures = selectors.loop_figures(now=thursday)
    assert (figures["firm"]["active"], figures["firm"]["within_policy"]) == (1, 0)
    with time_machine.travel(thursday + timedelta(hours=1), tick=False):
        contact_log(
            application=application,
            channel=ContactEvent.Channel.PHONE,
            direction=ContactEvent.Direction.OUTBOUND,
            by=application.owner,
        )
    figures = selectors.loop_figures(now=thursday + timedelta(hours=2))
    assert (figures["firm"]["active"], figures["firm"]["within_policy"]) == (1, 1)


def test_a_candidate_never_told_anything_else_falls_back_to_the_applications_creation():
    owner = UserFactory()
    with time_machine.travel(MONDAY, tick=False):
        application = application_create(candidate=CandidateFactory(owner=owner), job=JobFactory(owner=owner), by=owner)
    message = OutboundMessage.objects.get(application=application)
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        message_services.message_send_now(message=message, by=owner)
        sending.messages_send_due(worker="w", limit=10)
    message.refresh_from_db()
    bounce(message, at=MONDAY + timedelta(days=1), event_type="complained")
    application.refresh_from_db()
    assert application.last_informed_at is None
    assert application.next_update_due == datetime(2026, 11, 5, 10, tzinfo=UTC)


def test_an_event_naming_another_recipient_is_refused_and_logged(sent, caplog):
    application, message = sent
    with caplog.at_level(logging.WARNING, logger="notifications.services.tracking"):
        assert bounce(message, at=MONDAY + timedelta(days=3), recipient="someone.else@mail.example") is None
    assert "not the recipient" in caplog.text and "someone.else" not in caplog.text
    assert not TrackingEvent.objects.exists() and not Suppression.objects.exists()
    assert ContactEvent.objects.get(message=message).delivered is True
    # The same address in other letters is the same recipient.
    assert bounce(message, at=MONDAY + timedelta(days=3), recipient="ROSA.DIAZ@mail.example") is not None


def test_an_event_older_than_the_window_is_refused_and_logged(sent, caplog, settings):
    application, message = sent
    settings.INLOOP_TRACKING_EVENT_MAX_AGE_DAYS = 30
    now = MONDAY + timedelta(days=40)
    with caplog.at_level(logging.WARNING, logger="notifications.services.tracking"):
        assert bounce(message, at=now, timestamp=now - timedelta(days=31)) is None
    assert "older than the window" in caplog.text
    assert not Suppression.objects.exists()
    application.refresh_from_db()
    assert application.last_informed_at == MONDAY + timedelta(days=2)
    assert bounce(message, at=now, timestamp=now - timedelta(days=29), event_id="ev-2") is not None


def test_a_bounce_delivered_twice_untells_once(sent):
    application, message = sent
    bounce(message, at=MONDAY + timedelta(days=3))
    assert bounce(message, at=MONDAY + timedelta(days=3)) is None
    assert Application.objects.get(pk=application.pk).last_informed_at == MONDAY
    assert len(mail.outbox) == 1
