"""At most one automated email per candidate per day (issue 11, item 7), with the outbox's guarantees."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications.models import MessageAttempt, OutboundMessage
from notifications.services import handover, recording, sending
from notifications.services import messages as message_services
from notifications.services import relay as relay_services
from recruiting.models import ContactEvent, Stage
from recruiting.services import application_move
from tests.factories import ApplicationFactory, CandidateFactory, ClientFactory, JobFactory

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status
WEDNESDAY_10 = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def wednesday_morning():
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def six_applications():
    candidate = CandidateFactory(first_name="Amira", time_zone="UTC")
    return [
        ApplicationFactory(
            candidate=candidate,
            job=JobFactory(title=f"Role {n}", owner=candidate.owner, client=ClientFactory(name=f"Client {n} Ltd")),
            stage=Stage.SUBMITTED,
        )
        for n in range(6)
    ]


def move_all(applications, to_stage=Stage.INTERVIEWING) -> list[OutboundMessage]:
    """The client decides on all six at once: six moves in one transaction, six messages queued."""
    with transaction.atomic():
        for application in applications:
            application_move(application=application, to_stage=to_stage, by=application.owner)
    return list(OutboundMessage.objects.filter(application__in=applications).order_by("pk"))


def test_six_applications_changing_together_make_one_email_carrying_each_ones_news(wednesday_morning, six_applications):
    messages = move_all(six_applications)
    assert len(messages) == 6
    wednesday_morning.shift(dt.timedelta(minutes=11))

    report = sending.messages_send_due(worker="w")

    assert (report.claimed, report.sent) == (6, 6)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [messages[0].to_address]
    assert email.subject == "News about 6 of your applications"
    assert email.body.count("Hello Amira,") == 1
    assert email.body.count("Fewer emails, or none:") == 1
    for n in range(6):
        assert f"Role {n}" in email.body
    assert email.alternatives[0].content.count("<hr>") == 1
    lead = OutboundMessage.objects.get(pk=messages[0].pk)
    assert email.extra_headers["Message-ID"] == lead.message_id
    rows = OutboundMessage.objects.filter(pk__in=[m.pk for m in messages])
    assert {(row.status, row.sent_at) for row in rows} == {(Status.SENT, timezone.now())}
    assert {row.combined_into_id for row in rows if row.pk != lead.pk} == {lead.pk}
    assert MessageAttempt.objects.filter(message__in=messages, outcome="sent").count() == 6
    # Each application's own timeline and clock: told now.
    for application in six_applications:
        contact = ContactEvent.objects.get(application=application)
        assert contact.message.application_id == application.pk
        application.refresh_from_db()
        assert application.last_informed_at == timezone.now()


def test_the_wake_up_of_one_message_takes_the_candidates_other_due_messages_with_it(
    wednesday_morning, six_applications
):
    messages = move_all(six_applications)
    wednesday_morning.shift(dt.timedelta(minutes=11))

    assert sending.message_send(message_id=messages[3].pk, worker="w").sent == 6
    assert len(mail.outbox) == 1
    for message in messages:  # the other wake-ups find nothing left to do
        assert sending.message_send(message_id=message.pk, worker="w").claimed == 0
    assert len(mail.outbox) == 1


def test_news_later_the_same_day_waits_for_the_candidates_next_morning(wednesday_morning, six_applications):
    first, second = six_applications[:2]
    move_all([first])
    wednesday_morning.shift(dt.timedelta(minutes=11))
    assert sending.messages_send_due(worker="w").sent == 1
    wednesday_morning.shift(dt.timedelta(hours=3))
    later = move_all([second])[-1]
    wednesday_morning.shift(dt.timedelta(minutes=11))

    report = sending.messages_send_due(worker="w")

    assert (report.sent, report.rescheduled, len(mail.outbox)) == (0, 1, 1)
    later.refresh_from_db()
    assert later.status == Status.HELD
    assert later.send_after.date() == dt.date(2026, 3, 5) and timezone.localtime(later.send_after).hour >= 8
    assert "one a day" in later.status_reason
    wednesday_morning.move_to(later.send_after)
    assert sending.messages_send_due(worker="w").sent == 1
    assert len(mail.outbox) == 2


def test_a_personal_email_is_not_automated_and_is_never_held(wednesday_morning, six_applications):
    application = six_applications[0]
    move_all([application])
    wednesday_morning.shift(dt.timedelta(minutes=11))
    sending.messages_send_due(worker="w")
    message_services.message_personal_queue(
        application=application, subject="A quick word", body="Hello Amira,\n\nCall me.\n", by=application.owner
    )

    assert sending.messages_send_due(worker="w").sent == 1
    assert len(mail.outbox) == 2 and mail.outbox[1].subject == "A quick word"


def test_a_second_worker_sees_the_first_ones_email_on_the_wire(wednesday_morning, six_applications):
    first, second = move_all(six_applications[:2])
    # Worker A took only the first (its own wake-up) before the second was due; B comes for the second.
    OutboundMessage.objects.filter(pk=second.pk).update(send_after=timezone.now() + dt.timedelta(hours=1))
    wednesday_morning.shift(dt.timedelta(minutes=11))
    taken = sending.claim(worker="A", limit=10, now=timezone.now(), message_id=None, report=sending.SendReport())
    assert taken == [first.pk]
    wednesday_morning.shift(dt.timedelta(hours=1))

    report = sending.SendReport()
    assert sending.claim(worker="B", limit=10, now=timezone.now(), message_id=None, report=report) == []
    assert report.rescheduled == 1
    assert OutboundMessage.objects.get(pk=second.pk).send_after.date() == dt.date(2026, 3, 5)


def test_a_combined_email_shares_one_hand_over_and_the_relay_makes_all_of_it_unknown(
    wednesday_morning, six_applications
):
    messages = move_all(six_applications[:3])
    wednesday_morning.shift(dt.timedelta(minutes=11))
    ids = sending.claim(worker="w", limit=10, now=timezone.now(), message_id=None, report=sending.SendReport())
    loaded = list(OutboundMessage.objects.filter(pk__in=ids).select_related("candidate").order_by("pk"))
    emails = sending.daily.group_by_candidate(loaded)
    sending.daily.members_mark(emails)
    assert handover.mark_handover(messages[0].pk, "w")  # the worker dies with the email on the wire
    assert OutboundMessage.objects.filter(pk__in=ids, handover_at__isnull=False).count() == 3
    wednesday_morning.shift(dt.timedelta(minutes=10))

    assert relay_services.messages_relay().unknown == 3
    assert set(OutboundMessage.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Status.UNKNOWN}
    assert mail.outbox == []  # and never sent again by itself


def test_a_temporary_failure_retries_the_whole_email_together(wednesday_morning, six_applications, monkeypatch):
    messages = move_all(six_applications[:3])
    wednesday_morning.shift(dt.timedelta(minutes=11))
    failure = recording.SendError(MessageAttempt.Outcome.TRANSIENT, 451, "451 try later", False)
    monkeypatch.setattr(sending, "classify_send_error", lambda error, phase: failure)

    def refuse(self, messages):
        raise OSError("451 try later")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)

    report = sending.messages_send_due(worker="w")

    assert report.retrying == 3
    rows = list(OutboundMessage.objects.filter(pk__in=[m.pk for m in messages]))
    assert {row.status for row in rows} == {Status.QUEUED}
    assert len({row.send_after for row in rows}) == 1  # due again together
    assert {row.combined_into_id for row in rows} == {None}
    monkeypatch.undo()
    wednesday_morning.move_to(rows[0].send_after + dt.timedelta(seconds=1))
    assert sending.messages_send_due(worker="w").sent == 3
    assert len(mail.outbox) == 1
