"""Sending under races and partial failures: a person's action on a message a worker holds, deadlocks while recording a
group, docs/rules.md#many-jobs crossing a job close, a backend that sent nothing (review of the grouped path)."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import mailers
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.services import handover, recording, sending, stage_emails
from notifications.services import messages as message_services
from notifications.services import relay as relay_services
from recruiting.models import Application, ContactEvent, Stage
from recruiting.services import MessageSent, application_create, application_move, contact_log_messages_sent, prompts
from tests.factories import CandidateFactory, JobFactory, UserFactory
from tests.support.processes import wait_for

Status = OutboundMessage.Status
WEDNESDAY_10 = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def wednesday_morning():
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def no_wake_ups(sent_tasks):
    """Task messages are recorded, not sent: these tests run the workers' functions themselves."""
    return sent_tasks


def held_acknowledgment(candidate=None) -> OutboundMessage:
    candidate = candidate or CandidateFactory()
    application = application_create(candidate=candidate, job=JobFactory(owner=candidate.owner), by=candidate.owner)
    return OutboundMessage.objects.get(application=application)


@pytest.mark.django_db
def test_send_now_on_a_message_accepted_but_not_yet_recorded_is_refused_and_it_goes_once(
    wednesday_morning, no_wake_ups
):
    message = held_acknowledgment()
    assert message.status == Status.HELD  # the recruiter's page offers "Send now"
    OutboundMessage.objects.filter(pk=message.pk).update(send_after=timezone.now())  # the hold ends
    # A worker claims it, marks the hand-over, and the server accepts it; it waits in the worker's group.
    sending.claim(worker="w1", limit=1, now=timezone.now(), message_id=None, report=sending.SendReport())
    assert handover.mark_handover(message.pk, "w1")
    held_by_w1 = OutboundMessage.objects.select_related("candidate", "application__owner").get(pk=message.pk)
    mailers.default.send_messages([sending._email_for(held_by_w1)])

    with pytest.raises(ValidationError, match="cannot be sent now"):
        message_services.message_send_now(message=message, by=message.application.owner)
    second = sending.messages_send_due(worker="w2", limit=10)
    recording.record_sent_many([held_by_w1], worker="w1")

    assert second.sent == 0
    assert len(mail.outbox) == 1
    assert OutboundMessage.objects.get(pk=message.pk).status == Status.SENT


@pytest.mark.django_db
def test_a_rejection_whose_candidate_got_an_offer_meanwhile_is_not_sent_many_jobs(wednesday_morning, no_wake_ups):
    candidate = CandidateFactory()
    owner = candidate.owner
    rejected = application_create(candidate=candidate, job=JobFactory(owner=owner), by=owner, notify=False)
    other = application_create(candidate=candidate, job=JobFactory(owner=owner), by=owner, notify=False)
    application_move(application=rejected, to_stage=Stage.REJECTED, by=owner)
    rejection = OutboundMessage.objects.get(application=rejected, template_code="rejection_early")
    # The offer crossed the rejection's queueing (a job close read the candidate before it committed):
    # the held rejection was not cancelled.
    Application.objects.filter(pk=other.pk).update(stage=Stage.OFFER)
    OutboundMessage.objects.filter(pk=rejection.pk).update(send_after=timezone.now())

    report = sending.messages_send_due(worker="w1", limit=10)

    rejection.refresh_from_db()
    assert (report.sent, report.suppressed, len(mail.outbox)) == (0, 1, 0)
    assert rejection.status == Status.SUPPRESSED
    assert rejection.status_reason == stage_emails.OFFER_ELSEWHERE_REASON


@pytest.mark.django_db
def test_a_rejection_is_still_sent_when_the_only_offer_is_its_own_application(wednesday_morning, no_wake_ups):
    # Reopened and moved on, the application's own later stage is not an offer "for another job".
    candidate = CandidateFactory()
    rejected = application_create(candidate=candidate, job=JobFactory(owner=candidate.owner), by=candidate.owner)
    application_move(application=rejected, to_stage=Stage.REJECTED, by=candidate.owner)
    rejection = OutboundMessage.objects.get(application=rejected, template_code="rejection_early")
    OutboundMessage.objects.filter(pk=rejection.pk).update(send_after=timezone.now())

    assert sending._rejections_of_candidates_with_offers([rejection]) == set()
    Application.objects.filter(pk=rejected.pk).update(stage=Stage.OFFER, closed_at=None)
    assert sending._rejections_of_candidates_with_offers([rejection]) == set()


@pytest.mark.django_db
def test_a_group_whose_recording_hits_a_deadlock_is_noted_accepted_and_recorded_on_the_second_try(
    wednesday_morning, no_wake_ups, monkeypatch
):
    messages = [message_services.message_send_now(message=held_acknowledgment(), by=None) for _ in range(3)]
    original = recording.record_sent_many
    calls = []

    def deadlocked_once(group, **kwargs):
        calls.append([message.pk for message in group])
        if len(calls) == 1:
            raise OperationalError("deadlock detected")
        noted = OutboundMessage.objects.filter(pk__in=calls[0], sent_at__isnull=False).count()
        assert noted == len(group)  # before the second try, every one is noted as accepted
        return original(group, **kwargs)

    monkeypatch.setattr(recording, "record_sent_many", deadlocked_once)

    report = sending.messages_send_due(worker="w1", limit=10)

    assert report.sent == 3 and len(mail.outbox) == 3
    assert len(calls) == 2
    assert set(OutboundMessage.objects.filter(pk__in=[m.pk for m in messages]).values_list("status", flat=True)) == {
        Status.SENT
    }


@pytest.mark.django_db
def test_a_group_that_cannot_be_recorded_at_all_is_recorded_sent_by_the_relay_not_unknown(
    wednesday_morning, no_wake_ups, monkeypatch
):
    messages = [message_services.message_send_now(message=held_acknowledgment(), by=None) for _ in range(2)]
    original = recording.record_sent_many

    def always_deadlocked(group, **kwargs):
        raise OperationalError("deadlock detected")

    monkeypatch.setattr(recording, "record_sent_many", always_deadlocked)
    with pytest.raises(OperationalError):
        sending.messages_send_due(worker="w1", limit=10)
    monkeypatch.setattr(recording, "record_sent_many", original)
    wednesday_morning.shift(dt.timedelta(hours=1))  # the lease expires

    relay = relay_services.messages_relay()

    assert (relay.sent, relay.unknown) == (2, 0)
    assert len(mail.outbox) == 2
    assert {m.status for m in OutboundMessage.objects.filter(pk__in=[m.pk for m in messages])} == {Status.SENT}


@pytest.mark.django_db
def test_the_relay_goes_on_when_one_dead_workers_group_cannot_be_recorded(wednesday_morning, monkeypatch):
    def failing(group, **kwargs):
        raise OperationalError("deadlock detected")

    message = message_services.message_send_now(message=held_acknowledgment(), by=None)
    stuck = message_services.message_send_now(message=held_acknowledgment(), by=None)
    now = timezone.now()
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, leased_by="gone", lease_expires_at=now, handover_at=now, sent_at=now
    )
    OutboundMessage.objects.filter(pk=stuck.pk).update(
        status=Status.SENDING, leased_by="gone", lease_expires_at=now, handover_at=now
    )
    monkeypatch.setattr(recording, "record_sent_many", failing)
    wednesday_morning.shift(dt.timedelta(minutes=1))

    relay = relay_services.messages_relay()

    assert (relay.sent, relay.unknown) == (0, 1)  # the accepted one waits for the next run; the other is unknown
    assert OutboundMessage.objects.get(pk=message.pk).status == Status.SENDING
    assert OutboundMessage.objects.get(pk=stuck.pk).status == Status.UNKNOWN


@pytest.mark.django_db
def test_a_message_the_backend_did_not_send_fails_and_is_not_news(wednesday_morning, no_wake_ups, monkeypatch):
    message = message_services.message_send_now(message=held_acknowledgment(), by=None)
    monkeypatch.setattr(type(mailers.default), "send_messages", lambda self, messages: 0)

    report = sending.messages_send_due(worker="w1", limit=10)

    message.refresh_from_db()
    assert (report.sent, report.failed) == (0, 1)
    assert message.status == Status.FAILED
    assert message.status_reason == "It could not be sent: the message has no recipient address."
    assert not ContactEvent.objects.filter(message=message).exists()


@pytest.mark.django_db
def test_settling_prompts_for_no_contact_settles_nothing():
    assert prompts.prompts_resolve_on_contacts(contacts=[]) == 0


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_groups_whose_candidates_cross_do_not_deadlock(requires_postgres):
    # a1 < a2 < a3 < a4; c1 has a1 and a4, c2 has a2 and a3. Locking the candidates with the applications
    # (in application order) made the two groups wait for each other's candidate.
    owner = UserFactory()
    c1, c2 = CandidateFactory(owner=owner), CandidateFactory(owner=owner)
    a1, a2, a3, a4 = (
        application_create(candidate=candidate, job=JobFactory(owner=owner), by=owner) for candidate in (c1, c2, c2, c1)
    )
    message_of = {a.pk: OutboundMessage.objects.get(application=a).pk for a in (a1, a2, a3, a4)}
    errors: list[str] = []
    held, release = threading.Event(), threading.Event()

    def record(group):
        try:
            contact_log_messages_sent(
                messages=[MessageSent(a.pk, message_of[a.pk], "Sent") for a in group], at=timezone.now()
            )
        except Exception as error:  # noqa: BLE001 (the test reports whatever went wrong)
            errors.append(str(error).splitlines()[0])
        finally:
            connections.close_all()

    def a_job_close_holding_a3():
        with transaction.atomic():
            list(Application.objects.select_for_update(of=("self",)).filter(pk=a3.pk))
            held.set()
            release.wait(30)
        connections.close_all()

    threads = [threading.Thread(target=a_job_close_holding_a3)]
    threads[0].start()
    assert held.wait(30)
    threads.append(threading.Thread(target=record, args=([a1, a3],)))
    threads[1].start()
    wait_for(lambda: _lock_waiters() >= 1, timeout=30, what="the first group to wait for a3")
    threads.append(threading.Thread(target=record, args=([a2, a4],)))
    threads[2].start()
    # The second group either finishes (nothing shared is locked) or waits on a lock: either way, go on.
    wait_for(lambda: not threads[2].is_alive() or _lock_waiters() >= 2, timeout=30, what="the second group")
    release.set()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert ContactEvent.objects.filter(application__in=[a1, a2, a3, a4]).count() == 4
