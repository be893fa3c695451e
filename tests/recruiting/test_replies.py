"""A reply owed: opened by the candidate's reply, due within a business day, escalated like an overdue
update, settled only by a person's answer (a personal email or a logged contact)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recruiting.models import ContactEvent, RecruiterPrompt, Role, Stage
from recruiting.services import MessageSent, contact_log, contact_log_messages_sent, scan
from recruiting.services.replies import feedback_request_record, reply_record
from tests.factories import ApplicationFactory, OutboundMessageFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")
# Friday 20 November 2026, 15:00: the candidate writes.
FRIDAY = datetime(2026, 11, 20, 15, tzinfo=UTC)


@pytest.fixture
def lead():
    return UserFactory(profile__role=Role.TEAM_LEAD)


@pytest.fixture
def application(lead):
    owner = UserFactory(profile__team=TeamFactory(lead=lead))
    return ApplicationFactory(candidate__owner=owner, stage=Stage.SUBMITTED, created_at=FRIDAY - timedelta(days=3))


def _reply(application, *, automatic=False, from_candidate=True):
    with time_machine.travel(FRIDAY, tick=False):
        return reply_record(
            application=application,
            at=FRIDAY,
            summary="Reply by email: when?",
            automatic=automatic,
            from_candidate=from_candidate,
        )


def _owed(application):
    return RecruiterPrompt.objects.filter(application=application, reason=RecruiterPrompt.Reason.REPLY_OWED).first()


def test_a_reply_is_owed_by_the_next_business_day(application):
    contact, prompt = _reply(application)
    assert contact.direction == ContactEvent.Direction.INBOUND and not contact.informs_candidate
    # Friday afternoon: due Monday afternoon, not Saturday.
    assert prompt.due_at == datetime(2026, 11, 23, 15, tzinfo=UTC)
    assert prompt.recruiter == application.owner


def test_an_automatic_answer_opens_nothing(application):
    contact, prompt = _reply(application, automatic=True)
    assert contact.pk and prompt is None and _owed(application) is None


def test_a_reply_owed_escalates_to_the_lead_like_an_overdue_update(application, lead):
    _reply(application)
    # Submitted escalates after 2 business days: Wednesday 15:00.
    with time_machine.travel(datetime(2026, 11, 25, 14, 59, tzinfo=UTC), tick=False):
        assert scan.prompts_scan_overdue().escalated == 0
    with time_machine.travel(datetime(2026, 11, 25, 15, tzinfo=UTC), tick=False):
        assert scan.prompts_scan_overdue().escalated == 1
    assert _owed(application).escalated_to == lead


def test_a_reply_owed_on_a_closed_application_escalates_after_the_default_delay(application, lead):
    application.stage, application.closed_at = Stage.REJECTED, FRIDAY
    application.save()
    _reply(application)
    with time_machine.travel(datetime(2026, 11, 25, 15, tzinfo=UTC), tick=False):
        assert scan.prompts_scan_overdue().escalated == 1


def test_an_automated_email_going_out_does_not_answer_a_reply(application):
    _reply(application)
    message = OutboundMessageFactory(application=application, template_code="check_in", status="sent")
    contact_log_messages_sent(
        messages=[MessageSent(application_id=application.pk, outbound_message_id=message.pk, summary="Check-in")],
        at=FRIDAY + timedelta(hours=1),
    )
    assert _owed(application).resolved_at is None


def test_a_personal_email_answers_a_reply(application):
    _reply(application)
    message = OutboundMessageFactory(application=application, template_code="personal", status="sent")
    contact_log_messages_sent(
        messages=[
            MessageSent(application_id=application.pk, outbound_message_id=message.pk, summary="Hi", personal=True)
        ],
        at=FRIDAY + timedelta(hours=1),
    )
    assert _owed(application).resolved_at == FRIDAY + timedelta(hours=1)


def test_a_logged_call_answers_a_reply(application):
    _reply(application)
    contact_log(application=application, channel="phone", direction="outbound", by=application.owner)
    assert _owed(application).resolved_at is not None


def test_a_logged_inbound_note_does_not_answer_it(application):
    _reply(application)
    contact_log(application=application, channel="phone", direction="inbound", by=application.owner)
    assert _owed(application).resolved_at is None


def test_feedback_is_asked_for_once(application):
    application.stage, application.closed_at = Stage.REJECTED, FRIDAY
    application.save()
    first = feedback_request_record(application=application)
    assert first is not None and first.direction == ContactEvent.Direction.INBOUND
    assert "feedback" in _owed(application).detail
    assert feedback_request_record(application=application) is None
    assert ContactEvent.objects.filter(application=application).count() == 1


def test_a_candidate_who_asked_not_to_be_contacted_prompts_nobody(application):
    application.candidate.do_not_contact = True
    application.candidate.save()
    contact, prompt = _reply(application)
    assert contact.pk and prompt is None


def test_a_reply_by_text_is_a_text_on_the_timeline_owed_in_its_words(application):
    with time_machine.travel(FRIDAY, tick=False):
        contact, prompt = reply_record(
            application=application,
            at=FRIDAY,
            summary="Reply by text message: when?",
            automatic=False,
            from_candidate=True,
            channel=ContactEvent.Channel.SMS,
        )
    assert contact.channel == ContactEvent.Channel.SMS
    assert prompt.detail == "The candidate replied to our text message. Please answer them."
    assert _reply(application)[0].channel == ContactEvent.Channel.EMAIL
