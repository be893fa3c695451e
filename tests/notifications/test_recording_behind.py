"""A worker's batch records what the server accepted "behind" (recording.SentGroup): every BEHIND_SIZE
messages, by the process's recording thread on its own connection, while the next messages go; never the
last email's (the next hand-over mark notes it), one group at a time, the batch's own connection closed at
the end. The F3 drill (tests/faults) kills a worker that records so."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection

from notifications.models import MessageAttempt, OutboundMessage
from notifications.services import handover, recording, sending
from notifications.services import messages as message_services
from recruiting.models import ContactEvent
from recruiting.services import application_create
from tests.factories import CandidateFactory, JobFactory

Status = OutboundMessage.Status


def due_message() -> OutboundMessage:
    candidate = CandidateFactory()
    application = application_create(candidate=candidate, job=JobFactory(owner=candidate.owner), by=candidate.owner)
    message = OutboundMessage.objects.get(application=application)
    return message_services.message_send_now(message=message, by=candidate.owner)


@pytest.fixture
def recorded_behind(monkeypatch):
    """Groups of 5 recorded behind; the groups it hands to the thread, with the message marked after each."""
    monkeypatch.setattr(recording, "BEHIND_SIZE", 5)
    monkeypatch.setattr(recording, "GROUP_SECONDS", 3600)
    groups, marks = [], []
    record = recording._record_group_on_own_connection
    mark = handover.mark_handover

    def spy_record(waiting, *, worker):
        groups.append([message.pk for message in waiting])
        return record(waiting, worker=worker)

    def spy_mark(message_id, worker, *, accepted=None, database=None):
        marks.append((message_id, accepted))
        return mark(message_id, worker, accepted=accepted, database=database)

    monkeypatch.setattr(recording, "_record_group_on_own_connection", spy_record)
    monkeypatch.setattr(handover, "mark_handover", spy_mark)
    return groups, marks


@pytest.mark.django_db(transaction=True)
def test_a_batch_records_behind_while_it_sends_and_everything_is_recorded_once(requires_postgres, recorded_behind):
    groups, marks = recorded_behind
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC), tick=False):
        messages = [due_message() for _ in range(17)]
        report = sending.messages_send_due(worker="w", limit=100)

    assert (report.claimed, report.sent) == (17, 17)
    assert sorted(report.message_ids) == sorted(message.pk for message in messages)
    assert len(mail.outbox) == 17
    assert groups, "nothing was recorded behind"
    behind = [pk for group in groups for pk in group]
    assert len(behind) == len(set(behind)) < 17  # the last emails are recorded by the batch itself
    # A group recorded behind never holds the message the next mark notes as accepted.
    noted = {accepted for _next, accepted in marks if accepted is not None}
    sent_order = [next_id for next_id, _accepted in marks]
    for group in groups:
        assert group[-1] in noted
        assert sent_order[sent_order.index(group[-1]) + 1] not in group
    for message in OutboundMessage.objects.filter(pk__in=[m.pk for m in messages]):
        assert message.status == Status.SENT
        assert message.attempt_log.get().outcome == MessageAttempt.Outcome.SENT
        assert ContactEvent.objects.filter(message=message).count() == 1
    # The recording thread's connection was the batch's own: closed with it.
    closed = recording.SentGroup._executor.submit(lambda: connection.connection is None).result()
    assert closed


@pytest.mark.django_db
def test_inside_a_transaction_the_batch_records_everything_itself(recorded_behind):
    groups, _marks = recorded_behind
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(12):
            due_message()
        assert sending.messages_send_due(worker="w", limit=100).sent == 12
    assert groups == []
