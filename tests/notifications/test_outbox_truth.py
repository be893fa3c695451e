"""What the outbox and its messages say is what happens: a second check-in, the text a held message will
go with, the counts, the chase's signature, the answer that threads."""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from notifications.models import OutboundMessage
from notifications.services import messages as message_services
from notifications.services import sending
from recruiting.models import Stage
from recruiting.services import application_clock_recompute
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory, OutboundMessageFactory

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status
# Tuesday 1 December 2026, 10:00 in London (UTC in winter): inside business hours.
DECEMBER_1 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def december_first():
    with time_machine.travel(DECEMBER_1, tick=False) as traveller:
        yield traveller


def overdue_application(owner, **fields):
    candidate = CandidateFactory(owner=owner, first_name="Amira", last_name="Haddad", time_zone="Europe/London")
    told = DECEMBER_1 - dt.timedelta(days=12)
    application = ApplicationFactory(
        candidate=candidate,
        job=JobFactory(title="Payroll Analyst", owner=owner),
        stage=Stage.SCREENING,
        created_at=told,
        stage_entered_at=told,
        last_informed_at=told,
        **fields,
    )
    application_clock_recompute(application=application)
    application.refresh_from_db()
    return application


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def check_in(client, application) -> str:
    """What the page says after one click on "Send check-in" (the newest flash message)."""
    return flashed(client.post(reverse("application_check_in", args=[application.pk])))[-1]


# A second check-in the same day


def test_a_second_check_in_the_same_day_says_the_first_is_waiting_and_queues_nothing(client, recruiter):
    application = overdue_application(recruiter)
    client.force_login(recruiter)

    assert check_in(client, application) == (
        "A check-in to Amira Haddad is in the outbox; you can still read or cancel it there."
    )
    second = check_in(client, application)

    assert OutboundMessage.objects.filter(application=application, template_code="check_in").count() == 1
    assert second == (
        "No check-in queued for Amira Haddad: Today's check-in is already in the outbox (held for review, goes "
        "out after Tuesday 1 December, 10:10 UTC); one check-in a day is the most we send, so nothing new was "
        "queued. You can read or cancel it there."
    )


def test_a_check_in_after_todays_went_says_it_went_and_queues_nothing(client, recruiter, december_first):
    application = overdue_application(recruiter)
    client.force_login(recruiter)
    check_in(client, application)
    december_first.shift(dt.timedelta(minutes=11))
    assert sending.messages_send_due(worker="w").sent == 1

    again = check_in(client, application)

    assert again == (
        "No check-in queued for Amira Haddad: Today's check-in already went (Tuesday 1 December, 10:11 UTC); "
        "one check-in a day is the most we send, so nothing new was queued. A personal email can still reach "
        "them today."
    )
    assert OutboundMessage.objects.filter(application=application, template_code="check_in").count() == 1
    assert len(mail.outbox) == 1


def test_a_check_in_after_todays_was_cancelled_says_none_can_go_before_tomorrow(client, recruiter, december_first):
    application = overdue_application(recruiter)
    client.force_login(recruiter)
    check_in(client, application)
    message_services.message_cancel(
        message=OutboundMessage.objects.get(application=application), by=recruiter, reason="Called instead"
    )

    again = check_in(client, application)

    assert "Today's check-in was cancelled; one check-in a day is the most we send" in again
    assert "before tomorrow" in again
    december_first.shift(dt.timedelta(days=1))
    assert check_in(client, application) == (
        "A check-in to Amira Haddad is in the outbox; you can still read or cancel it there."
    )
    assert OutboundMessage.objects.filter(application=application, template_code="check_in").count() == 2


def test_a_check_in_to_a_candidate_told_today_says_it_goes_on_their_next_day(client, recruiter, december_first):
    application = overdue_application(recruiter)
    other = ApplicationFactory(candidate=application.candidate, stage=Stage.SCREENING)
    OutboundMessageFactory(
        application=other, status=Status.SENT, sent_at=DECEMBER_1 - dt.timedelta(hours=1), template_code="screening"
    )
    client.force_login(recruiter)

    said = check_in(client, application)

    assert said == (
        "A check-in to Amira Haddad is in the outbox. They already had an email from us today and get one a "
        "day at most, so it goes on their next day; you can still read or cancel it there."
    )
    # And so it does: the worker holds it over to Wednesday.
    december_first.shift(dt.timedelta(minutes=11))
    assert sending.messages_send_due(worker="w").sent == 0
    held = OutboundMessage.objects.get(application=application, template_code="check_in")
    assert held.send_after.date() == dt.date(2026, 12, 2)
