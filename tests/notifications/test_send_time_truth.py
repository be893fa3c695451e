"""Dates that hold (issue 11, item 6): what a message says is decided when it goes out, not when it was queued."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.services import messages as message_services
from notifications.services import sending
from notifications.services.freshness import stale_reason, stated_dates
from recruiting.models import AuditLog, Stage
from recruiting.services import application_clock_recompute, application_move
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status
# Tuesday 1 December 2026, 09:00 in London (UTC in winter): the demo's "today".
DECEMBER_1 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def december_first():
    with time_machine.travel(DECEMBER_1, tick=False) as traveller:
        yield traveller


def overdue_application(**fields):
    """An application last told on 6 November, promised news by Friday 20 November: both long past."""
    candidate = CandidateFactory(first_name="Amira", time_zone="Europe/London")
    told = dt.datetime(2026, 11, 6, 10, 0, tzinfo=dt.UTC)
    application = ApplicationFactory(
        candidate=candidate,
        job=JobFactory(title="Payroll Analyst", owner=candidate.owner),
        stage=Stage.SCREENING,
        created_at=told - dt.timedelta(days=3),
        stage_entered_at=told,
        last_informed_at=told,
        **({"promised_next_step_date": dt.date(2026, 11, 20)} | fields),
    )
    application_clock_recompute(application=application)
    application.refresh_from_db()
    return application


def sent_text() -> str:
    assert len(mail.outbox) == 1
    return mail.outbox[0].subject + "\n" + mail.outbox[0].body


def test_the_demo_check_in_sent_on_1_december_states_no_date_in_the_past(december_first):
    application = overdue_application()
    assert application.next_update_due < timezone.now()  # overdue since November
    message = message_services.message_check_in_queue(application=application, by=application.owner)
    # What the recruiter reads in the outbox already holds: the promise and the due date past are not stated.
    assert "November" not in message.body_text and stated_dates(message.body_text)
    december_first.shift(dt.timedelta(minutes=11))  # the hold has passed, inside business hours

    assert sending.messages_send_due(worker="w").sent == 1

    text = sent_text()
    assert "20 November" not in text and "November" not in text
    dates = stated_dates(text)
    assert dates and all(day >= dt.date(2026, 12, 1) for day in dates)
    # The date it states is the one the clock holds once the check-in is recorded: true, and kept.
    application.refresh_from_db()
    assert application.last_informed_at == timezone.now()
    assert dates == [timezone.localtime(application.next_update_due).date()]
    message.refresh_from_db()
    assert (message.status, message.body_text + message.subject) == (
        Status.SENT,
        text.split("\n", 1)[1] + message.subject,
    )


def test_many_jobs_is_decided_when_the_rejection_goes_not_when_it_was_queued(december_first):
    candidate = CandidateFactory(time_zone="UTC")
    other = ApplicationFactory(candidate=candidate, stage=Stage.SCREENING)
    rejected = ApplicationFactory(candidate=candidate, stage=Stage.SCREENING)
    application_move(application=rejected, to_stage=Stage.REJECTED, by=candidate.owner)
    queued = OutboundMessage.objects.get(application=rejected, template_code="rejection_early")
    assert "still open" in queued.body_text  # true when it was queued
    application_move(application=other, to_stage=Stage.WITHDRAWN, by=candidate.owner, notify=False)
    december_first.shift(dt.timedelta(hours=25))  # the rejection's 24-hour hold

    sending.messages_send_due(worker="w")

    assert len(mail.outbox) == 1
    assert "still open" not in mail.outbox[0].body
    assert "still open" not in OutboundMessage.objects.get(pk=queued.pk).body_text  # the row says what went


def test_an_edited_message_whose_date_has_passed_goes_back_to_its_recruiter(december_first):
    application = overdue_application(promised_next_step_date=None)
    message = message_services.message_check_in_queue(application=application, by=application.owner)
    message_services.message_edit(
        message=message,
        subject="Your application",
        body_text="Hello Amira,\n\nThe client meets on Thursday 3 December 2026; we will call you after.\n",
        by=application.owner,
    )
    OutboundMessage.objects.filter(pk=message.pk).update(send_after=timezone.now() + dt.timedelta(days=3))
    december_first.move_to(dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC))  # the worker came back on Friday

    report = sending.messages_send_due(worker="w")

    assert (report.sent, report.returned, mail.outbox) == (0, 1, [])
    message.refresh_from_db()
    assert message.status == Status.RETURNED
    assert message.status_reason == (
        "Not sent: it says Thursday 3 December 2026, which has passed. Edit the date, or cancel it."
    )
    assert AuditLog.objects.filter(action="message.return", object_id=message.pk).exists()
    # Its recruiter puts a true date in: it is held again, and goes as written.
    message_services.message_edit(
        message=message,
        subject="Your application",
        body_text="Hello Amira,\n\nThe client now meets on Tuesday 8 December 2026; we will call you after.\n",
        by=application.owner,
    )
    message.refresh_from_db()
    assert message.status == Status.HELD
    message_services.message_send_now(message=message, by=application.owner)
    assert sending.messages_send_due(worker="w").sent == 1
    assert "Tuesday 8 December 2026" in mail.outbox[0].body


def test_an_edited_message_goes_as_written_and_a_date_already_past_when_written_is_no_promise(december_first):
    application = overdue_application()
    message = message_services.message_check_in_queue(application=application, by=application.owner)
    body = "Hello Amira,\n\nThank you for the call on Monday 30 November 2026. More news soon.\n"
    message_services.message_edit(message=message, subject="After our call", body_text=body, by=application.owner)
    december_first.shift(dt.timedelta(minutes=11))

    assert sending.messages_send_due(worker="w").sent == 1
    assert mail.outbox[0].body == body  # not rendered again: a person's words are sent as written


def test_a_returned_message_can_be_cancelled_but_not_sent_as_it_is():
    application = overdue_application()
    message = message_services.message_check_in_queue(application=application, by=application.owner)
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.RETURNED)
    message.refresh_from_db()
    with pytest.raises(Exception, match="cannot be sent now"):
        message_services.message_send_now(message=message, by=application.owner)
    assert message_services.message_cancel(message=message, by=application.owner).status == Status.CANCELLED


def test_stale_reason_reads_only_dates_ahead_when_edited():
    message = OutboundMessage(
        subject="News",
        body_text="We spoke on Friday 27 November 2026 and expect news by Wednesday 2 December 2026.",
        edited_at=DECEMBER_1,
    )
    assert stale_reason(message, DECEMBER_1 + dt.timedelta(hours=20)) == ""
    assert "Wednesday 2 December 2026" in stale_reason(message, DECEMBER_1 + dt.timedelta(days=2))
    message.edited_at = None
    assert stale_reason(message, DECEMBER_1 + dt.timedelta(days=2)) == ""  # unedited: rendered again instead
    assert stated_dates("by Friday 31 February 2026, or Monday 7 December 2026") == [dt.date(2026, 12, 7)]


def test_a_date_that_passes_while_the_message_waits_is_rendered_again_when_it_goes(december_first):
    application = overdue_application(promised_next_step_date=dt.date(2026, 12, 2))
    message = message_services.message_check_in_queue(application=application, by=application.owner)
    assert "Wednesday 2 December 2026" in message.body_text  # true when queued
    OutboundMessage.objects.filter(pk=message.pk).update(send_after=dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC))
    december_first.move_to(dt.datetime(2026, 12, 3, 9, 5, tzinfo=dt.UTC))  # the outbox was held up

    assert sending.messages_send_due(worker="w").sent == 1

    text = sent_text()
    assert "2 December" not in text
    assert all(day >= dt.date(2026, 12, 3) for day in stated_dates(text))


def test_saving_a_message_unchanged_keeps_it_rendered_when_it_goes():
    application = overdue_application()
    message = message_services.message_check_in_queue(application=application, by=application.owner)

    saved = message_services.message_edit(
        message=message, subject=message.subject, body_text=message.body_text, by=application.owner
    )

    assert saved.edited_at is None
