"""Sending: claim, re-check, hand over once, record the outcome (architecture.md flow 2, fault drills F6-F11).

These run the services in the test process, over Django's in-memory backend or, for the SMTP outcomes,
the phase-aware backend against the loopback sink of tests/support/smtp_sink.py.
"""

import datetime as dt
import random
import re
import smtplib

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidates.services.people import candidate_set_preferences
from notifications.backends import Phase, PhaseRecordingSMTP
from notifications.models import MessageAttempt, OutboundMessage
from notifications.services import handover, outbox, recording, sending
from notifications.services import messages as message_services
from notifications.services import relay as relay_services
from recruiting import policy
from recruiting.calendar import firm_time_zone
from recruiting.models import AuditLog, ContactEvent, FirmHoliday, RecruiterPrompt, StagePolicy
from recruiting.services import application_create
from tests.conftest import SentTask
from tests.factories import CandidateFactory, JobFactory, PromptFactory, UserFactory
from tests.support.smtp_sink import SmtpSink, free_port

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status
Outcome = MessageAttempt.Outcome
UTC = dt.UTC
WEDNESDAY_10 = dt.datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def wednesday_morning():
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sink():
    with SmtpSink(stall_seconds=5) as running:
        yield running


def smtp_mailer(settings, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "notifications.backends.SMTPBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 1},
        }
    }


@pytest.fixture
def smtp(sink, settings):
    smtp_mailer(settings, sink.port)
    return sink


def due_message(**candidate) -> OutboundMessage:
    """An application's acknowledgment, released by its recruiter so that it is due now."""
    candidate = CandidateFactory(**candidate)
    application = application_create(candidate=candidate, job=JobFactory(owner=candidate.owner), by=candidate.owner)
    message = OutboundMessage.objects.get(application=application)
    return message_services.message_send_now(message=message, by=candidate.owner)


def reload(message: OutboundMessage) -> OutboundMessage:
    return OutboundMessage.objects.select_related("application").get(pk=message.pk)


# --- sent ---------------------------------------------------------------------------------------------


def test_a_due_message_is_sent_once_with_stable_headers_and_resets_the_clock():
    message = due_message(first_name="Ana")
    application = message.application
    overdue = PromptFactory(application=application, reason="overdue")
    report = sending.messages_send_due(worker="w1", limit=10)
    assert report.sent == 1 and report.claimed == 1
    (email,) = mail.outbox
    assert email.to == [message.to_address]
    assert email.extra_headers["Message-ID"] == message.message_id == outbox.message_id_for(message.idempotency_key)
    assert email.extra_headers["List-Unsubscribe"].startswith("<http://testserver/")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"
    assert email.reply_to == [application.owner.email]
    assert email.alternatives[0].mimetype == "text/html"
    message = reload(message)
    assert message.status == Status.SENT and message.sent_at == WEDNESDAY_10 and message.attempts == 1
    assert message.attempt_log.get().outcome == Outcome.SENT
    contact = ContactEvent.objects.get(message=message)
    assert contact.direction == "outbound" and contact.channel == "email" and contact.by is None
    application.refresh_from_db()
    assert application.last_informed_at == WEDNESDAY_10
    overdue.refresh_from_db()
    assert overdue.resolved_at == WEDNESDAY_10
    assert sending.messages_send_due(worker="w2", limit=10).claimed == 0
    assert len(mail.outbox) == 1


def test_held_messages_wait_for_their_time(wednesday_morning):
    candidate = CandidateFactory()
    application_create(candidate=candidate, job=JobFactory(), by=None)
    assert sending.messages_send_due(worker="w", limit=10).claimed == 0
    wednesday_morning.shift(dt.timedelta(minutes=10))
    assert sending.messages_send_due(worker="w", limit=10).sent == 1


def test_message_send_takes_only_the_message_it_was_woken_for():
    first, second = due_message(), due_message()
    assert sending.message_send(message_id=second.pk).sent == 1
    assert reload(first).status == Status.QUEUED
    assert reload(second).status == Status.SENT


def test_a_digest_without_an_application_is_sent_without_a_contact_or_unsubscribe_header():
    user = UserFactory()
    outbox.message_queue(
        idempotency_key="digest:t", template_code="digest", to_address=user.email, context={"recruiter_name": "Sam"},
        recipient_user=user, hold_minutes=0, respect_business_hours=False,
    )  # fmt: skip
    assert sending.messages_send_due(worker="w", limit=5).sent == 1
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    assert not ContactEvent.objects.exists()


def test_a_subject_edited_with_line_breaks_never_adds_a_header_B1():
    message = due_message()
    OutboundMessage.objects.filter(pk=message.pk).update(
        subject="Hi\r\nBcc: spy@evil.example", edited_at=timezone.now()
    )
    sending.messages_send_due(worker="w", limit=5)
    raw = mail.outbox[0].message().as_bytes()
    assert b"\nBcc:" not in raw and b"Subject: Hi Bcc: spy@evil.example" in raw


# --- suppression at send time (F9) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"do_not_contact": True, "reason": "Asked by email"}, "asked not to be contacted: Asked by email"),
        ({"automated_updates_paused": True}, "paused automated updates"),
    ],
)
def test_a_candidate_who_opts_out_after_queueing_gets_nothing_F9(change, reason):
    message = due_message()
    candidate_set_preferences(candidate=message.candidate, by=None, source="candidate", **change)
    report = sending.messages_send_due(worker="w", limit=5)
    assert report.suppressed == 1 and report.sent == 0
    assert mail.outbox == []
    message = reload(message)
    assert message.status == Status.SUPPRESSED and reason in message.status_reason
    assert not message.attempt_log.exists()
    assert message.application.last_informed_at is None


# --- SMTP outcomes --------------------------------------------------------------------------------------


def test_a_4xx_is_retried_with_backoff_then_delivered_once_F6(smtp, wednesday_morning):
    smtp.program("451", "451")
    message = due_message()
    random.seed(7)
    delays = []
    for _ in range(2):
        assert sending.messages_send_due(worker="w", limit=5).retrying == 1
        queued = reload(message)
        assert queued.status == Status.QUEUED
        delays.append(queued.send_after - timezone.now())
        assert sending.messages_send_due(worker="w", limit=5).claimed == 0  # not before its time
        wednesday_morning.move_to(queued.send_after)
    assert sending.messages_send_due(worker="w", limit=5).sent == 1
    assert dt.timedelta(seconds=30) <= delays[0] <= dt.timedelta(seconds=60)
    assert dt.timedelta(seconds=60) <= delays[1] <= dt.timedelta(seconds=120)
    assert [a.outcome for a in reload(message).attempt_log.all()] == [
        Outcome.TRANSIENT,
        Outcome.TRANSIENT,
        Outcome.SENT,
    ]
    assert [a.smtp_code for a in reload(message).attempt_log.all()] == [451, 451, 250]
    assert smtp.count(message.message_id) == 1


@pytest.mark.parametrize("step", ["550@rcpt", "554"])
def test_a_5xx_fails_at_once_prompts_the_recruiter_and_leaves_the_candidate_uninformed_F7(smtp, step):
    smtp.program(step)
    message = due_message()
    assert sending.messages_send_due(worker="w", limit=5).failed == 1
    message = reload(message)
    assert message.status == Status.FAILED and message.attempts == 1
    assert message.attempt_log.get().smtp_code == int(step[:3])
    prompt = RecruiterPrompt.objects.get(application=message.application, reason="delivery_failed")
    assert prompt.message == message
    assert message.application.last_informed_at is None
    assert smtp.count() == 0
    assert sending.messages_send_due(worker="w", limit=5).claimed == 0


def test_a_stall_after_the_body_is_unknown_and_never_sent_again_F8(smtp, wednesday_morning):
    smtp.program("stall")
    message = due_message()
    report = sending.messages_send_due(worker="w", limit=5)
    assert report.unknown == 1
    message = reload(message)
    assert message.status == Status.UNKNOWN
    assert message.attempt_log.get().outcome == Outcome.UNKNOWN
    assert RecruiterPrompt.objects.filter(application=message.application, reason="outcome_unknown").exists()
    wednesday_morning.shift(dt.timedelta(hours=2))
    relay_services.messages_relay()
    assert sending.messages_send_due(worker="w", limit=5).claimed == 0
    assert smtp.count(message.message_id) == 1


def test_one_connection_serves_a_batch(smtp, monkeypatch):
    connects = []
    original = PhaseRecordingSMTP.connect
    monkeypatch.setattr(
        PhaseRecordingSMTP, "connect", lambda self, *a, **k: connects.append(1) or original(self, *a, **k)
    )
    ids = [due_message().message_id for _ in range(3)]
    assert sending.messages_send_due(worker="w", limit=10).sent == 3
    assert len(connects) == 1
    assert sorted(smtp.message_ids()) == sorted(ids)


def test_a_4xx_for_one_message_does_not_stop_the_rest_of_the_batch(smtp):
    smtp.program("accept", "452@rcpt", "accept")
    for _ in range(3):
        due_message()
    report = sending.messages_send_due(worker="w", limit=10)
    assert (report.sent, report.retrying) == (2, 1)


def test_no_server_means_every_claimed_message_is_retried_later(settings):
    smtp_mailer(settings, free_port())
    first, second = due_message(), due_message()
    report = sending.messages_send_due(worker="w", limit=10)
    assert report.retrying == 2
    for message in (first, second):
        message = reload(message)
        assert message.status == Status.QUEUED and message.send_after > timezone.now()
        assert message.attempt_log.get().outcome == Outcome.TRANSIENT
        assert "ConnectionRefusedError" in message.last_error


@override_settings(INLOOP_OUTBOX_MAX_ATTEMPTS=2)
def test_temporary_failures_give_up_after_the_last_attempt(smtp, wednesday_morning):
    smtp.default = "421"
    message = due_message()
    sending.messages_send_due(worker="w", limit=5)
    wednesday_morning.move_to(reload(message).send_after)
    assert sending.messages_send_due(worker="w", limit=5).failed == 1
    message = reload(message)
    assert message.status == Status.FAILED and message.status_reason == "Gave up after 2 tries."
    assert RecruiterPrompt.objects.filter(application=message.application, reason="delivery_failed").exists()


# --- leases and the relay ---------------------------------------------------------------------------------


def test_the_relay_requeues_rows_never_handed_over_and_marks_the_others_unknown(wednesday_morning, sent_tasks):
    untouched, in_flight = due_message(), due_message()
    claimed = sending.claim(worker="dead", limit=10, now=timezone.now(), message_id=None, report=sending.SendReport())
    assert sorted(claimed) == sorted([untouched.pk, in_flight.pk])
    assert handover.mark_handover(in_flight.pk, "dead")
    wednesday_morning.shift(dt.timedelta(minutes=4))
    assert relay_services.messages_relay().requeued == 0  # leases still running
    wednesday_morning.shift(dt.timedelta(minutes=2))
    report = relay_services.messages_relay()
    assert (report.requeued, report.unknown, report.due, report.batches) == (1, 1, 1, 1)
    assert sent_tasks == [
        SentTask("notifications.tasks.outbox.send_due_batch", [], {"limit": sending.BATCH_SIZE}, None)
    ]
    assert reload(untouched).status == Status.QUEUED
    lost = reload(in_flight)
    assert lost.status == Status.UNKNOWN and lost.attempt_log.get().outcome == Outcome.UNKNOWN
    assert RecruiterPrompt.objects.filter(message=lost, reason="outcome_unknown").exists()


def test_a_worker_that_lost_its_lease_sends_nothing(wednesday_morning):
    message = due_message()
    ids = sending.claim(worker="slow", limit=1, now=timezone.now(), message_id=None, report=sending.SendReport())
    wednesday_morning.shift(dt.timedelta(minutes=6))
    relay_services.messages_relay()
    assert sending.messages_send_due(worker="fast", limit=1).sent == 1
    sending._send_claimed(ids, worker="slow", report=sending.SendReport())
    assert len(mail.outbox) == 1
    assert reload(message).status == Status.SENT


def test_the_relay_starts_a_bounded_number_of_batches(monkeypatch, sent_tasks):
    monkeypatch.setattr(relay_services, "BATCH_SIZE", 1)
    monkeypatch.setattr(relay_services, "RELAY_MAX_BATCHES", 2)
    for _ in range(3):
        due_message()
    assert relay_services.messages_relay().batches == 2
    assert len(sent_tasks) == 2


# --- late messages (F11) ------------------------------------------------------------------------------------


def late(message: OutboundMessage, *, hours: float, window_tz: str) -> None:
    OutboundMessage.objects.filter(pk=message.pk).update(
        send_after=timezone.now() - dt.timedelta(hours=hours), send_window_tz=window_tz
    )


def test_a_late_message_inside_business_hours_goes_out_with_a_note_F11():
    message = due_message()
    late(message, hours=3, window_tz="UTC")
    assert sending.messages_send_due(worker="w", limit=5).sent == 1
    message = reload(message)
    assert message.status == Status.SENT
    assert message.status_reason == "Sent late: it was due Wednesday 4 March, 07:00 UTC but the outbox was held up."


def test_a_late_message_outside_business_hours_moves_to_the_next_window_with_a_note_F11():
    message = due_message()
    late(message, hours=3, window_tz="Asia/Tokyo")  # 19:00 in Tokyo now
    report = sending.messages_send_due(worker="w", limit=5)
    assert (report.claimed, report.rescheduled) == (0, 1)
    message = reload(message)
    assert message.status == Status.QUEUED
    assert message.send_after == dt.datetime(2026, 3, 5, 0, 0, tzinfo=UTC)  # Thursday 9:00 in Tokyo
    assert "moved to the recipient's next business hours" in message.status_reason
    with time_machine.travel(message.send_after, tick=False):
        assert sending.messages_send_due(worker="w", limit=5).sent == 1
    assert reload(message).status_reason.startswith("Due Wednesday 4 March, 07:00 UTC")


def test_messages_moved_to_the_next_window_are_each_audited_with_the_reason():
    messages = [due_message(), due_message()]
    for message in messages:
        late(message, hours=3, window_tz="Asia/Tokyo")

    assert sending.messages_send_due(worker="w", limit=5).rescheduled == 2

    audited = AuditLog.objects.filter(action="message.reschedule").order_by("object_id")
    assert [row.object_id for row in audited] == sorted(message.pk for message in messages)
    assert all("next business hours" in row.details["reason"] for row in audited)


def test_a_few_minutes_late_is_not_late():
    message = due_message()
    late(message, hours=0.2, window_tz="Asia/Tokyo")
    assert sending.messages_send_due(worker="w", limit=5).sent == 1
    assert reload(message).status_reason == ""


# --- the pieces -----------------------------------------------------------------------------------------------


def test_backoff_doubles_with_jitter_and_is_capped():
    rng = random.Random(1)
    for attempt in range(1, 12):
        ceiling = min(60 * 2 ** (attempt - 1), 3600)
        delay = recording.retry_delay(attempt, base_seconds=60, rng=rng).total_seconds()
        assert ceiling / 2 <= delay <= ceiling
    spread = {recording.retry_delay(3, base_seconds=60, rng=rng) for _ in range(20)}
    assert len(spread) > 1


@pytest.mark.parametrize(
    ("error", "phase", "outcome", "code"),
    [
        (smtplib.SMTPRecipientsRefused({"a@b.example": (550, b"no")}), Phase.ENVELOPE, Outcome.PERMANENT, 550),
        (smtplib.SMTPRecipientsRefused({"a@b.example": (450, b"later")}), Phase.ENVELOPE, Outcome.TRANSIENT, 450),
        (smtplib.SMTPDataError(554, b"rejected"), Phase.BODY, Outcome.PERMANENT, 554),
        (smtplib.SMTPDataError(451, b"later"), Phase.BODY, Outcome.TRANSIENT, 451),
        (smtplib.SMTPSenderRefused(421, b"busy", "x@y"), Phase.ENVELOPE, Outcome.TRANSIENT, 421),
        (smtplib.SMTPServerDisconnected("gone"), Phase.ENVELOPE, Outcome.TRANSIENT, None),
        (smtplib.SMTPServerDisconnected("gone"), Phase.DATA, Outcome.TRANSIENT, None),
        (smtplib.SMTPServerDisconnected("gone"), Phase.BODY, Outcome.UNKNOWN, None),
        (TimeoutError("timed out"), Phase.BODY, Outcome.UNKNOWN, None),
        (ConnectionRefusedError(), Phase.IDLE, Outcome.TRANSIENT, None),
        (ConnectionResetError(), None, Outcome.TRANSIENT, None),
        (ValueError("bad header"), Phase.IDLE, Outcome.PERMANENT, None),
    ],
)
def test_send_errors_are_classified_by_reply_code_and_phase(error, phase, outcome, code):
    result = sending.classify_send_error(error, phase=phase)
    assert (result.outcome, result.smtp_code) == (outcome, code)


def test_the_unsubscribe_header_reaches_the_server_as_a_plain_url(smtp):
    due_message()
    assert sending.messages_send_due(worker="w", limit=1).sent == 1
    (arrived,) = smtp.received
    header = arrived.message["List-Unsubscribe"]
    assert header.startswith("<http://testserver/") and header.endswith("/>")
    assert "=?" not in header


def test_the_wire_policy_makes_each_header_class_once_and_builds_the_same_message():
    from email.policy import SMTP

    from notifications.backends import MESSAGE_POLICY, WIRE_POLICY

    assert MESSAGE_POLICY.header_factory["Subject"] is MESSAGE_POLICY.header_factory["Subject"]
    assert SMTP.header_factory["Subject"] is not SMTP.header_factory["Subject"]  # what the cache saves
    email = sending._email_for(reload(due_message(first_name="Zoë")))
    cached = email.message(policy=MESSAGE_POLICY).as_bytes(policy=WIRE_POLICY)
    standard = email.message(policy=SMTP).as_bytes(policy=SMTP.clone(max_line_length=998))
    boundary = re.compile(rb"=+\d+==")  # the one random part of a message
    assert boundary.sub(b"-", cached) == boundary.sub(b"-", standard)
    assert b"List-Unsubscribe: <http://testserver/" in cached


def test_an_address_suppressed_after_queueing_is_caught_whatever_its_case_F9():
    from notifications.models import Suppression

    message = due_message(email="listed@mail.example")
    Suppression.objects.create(email="Listed@Mail.example", reason=Suppression.Reason.COMPLAINED)
    assert sending.messages_send_due(worker="w", limit=5).suppressed == 1
    assert reload(message).status_reason == "The address is on the suppression list (complained)."
    assert mail.outbox == []


def test_a_message_given_up_as_unknown_that_turns_out_sent_is_recorded_sent(wednesday_morning):
    message = due_message()
    ids = sending.claim(worker="slow", limit=1, now=timezone.now(), message_id=None, report=sending.SendReport())
    assert handover.mark_handover(message.pk, "slow")
    wednesday_morning.shift(dt.timedelta(minutes=6))
    assert relay_services.messages_relay().unknown == 1
    recording.record_sent_many([reload(message)], worker="slow")
    assert ids == [message.pk]
    assert reload(message).status == Status.SENT
    assert RecruiterPrompt.objects.get(message=message, reason="outcome_unknown").resolved_at is not None


def test_sending_costs_a_bounded_number_of_queries_per_message(django_assert_max_num_queries):
    for _ in range(10):
        due_message()
    # A hand-over mark each, one group, the batch (its claim, the candidates' day, the facts of rendering),
    # and the firm's sending name once per batch.
    with django_assert_max_num_queries(10 + 28):
        assert sending.messages_send_due(worker="w", limit=20).sent == 10


# --- recording in groups ------------------------------------------------------------------------------------


class WorkerStopped(BaseException):
    """What stops a worker between two statements (a signal, a hard time limit)."""


@pytest.fixture
def groups_of_20(monkeypatch):
    """Groups by size only, however slow the machine."""
    monkeypatch.setattr(recording, "GROUP_SIZE", 20)
    monkeypatch.setattr(recording, "GROUP_SECONDS", 3600)


def test_a_batch_is_recorded_in_groups_each_message_on_its_timeline_clock_reset_and_prompts_settled(
    wednesday_morning, groups_of_20
):
    messages = [due_message() for _ in range(45)]  # two full groups and a last one at the end of the batch
    reasons = ("overdue", "candidate_asked")
    owed = [PromptFactory(application=m.application, reason=reason) for m in messages for reason in reasons]
    bounced = PromptFactory(application=messages[0].application, reason="delivery_failed")
    # Read once per group, and read fresh: a policy and a holiday that came after the messages were written.
    StagePolicy.objects.create(stage="new", max_silent_business_days=2)
    FirmHoliday.objects.create(date=dt.date(2026, 3, 5), name="Founders' day")
    wednesday_morning.shift(dt.timedelta(minutes=10))
    now = timezone.now()

    report = sending.messages_send_due(worker="w", limit=100)

    assert (report.claimed, report.sent) == (45, 45)
    assert sorted(report.message_ids) == sorted(m.pk for m in messages)
    assert len(mail.outbox) == 45
    expected_due = policy.next_update_due(
        last_informed_at=now,
        policy=policy.SilencePolicy(max_silent_business_days=2),
        tz=firm_time_zone(),
        holidays={dt.date(2026, 3, 5)},
    )
    assert expected_due.date() == dt.date(2026, 3, 9)  # Monday: the Thursday holiday does not count
    for message in messages:
        message = reload(message)
        assert (message.status, message.sent_at, message.attempts) == (Status.SENT, now, 1)
        assert message.attempt_log.get().outcome == Outcome.SENT
        contact = ContactEvent.objects.get(message=message)
        assert (contact.application_id, contact.at, contact.direction, contact.by) == (
            message.application_id, now, "outbound", None,
        )  # fmt: skip
        assert contact.summary.startswith("Application received: ")
        application = message.application
        assert (application.last_informed_at, application.next_update_due) == (now, expected_due)
        audit = AuditLog.objects.get(action="contact.log", object_id=application.pk)
        assert audit.details == {"contact": contact.pk, "channel": "email", "direction": "outbound"}
    for prompt in owed:
        prompt.refresh_from_db()
        assert (prompt.resolved_at, prompt.resolution) == (now, "Email to the candidate")
        audit = AuditLog.objects.get(action="prompt.resolve", object_id=prompt.pk)
        assert audit.details == {"application": prompt.application_id, "contact": prompt.application.contacts.get().pk}
    bounced.refresh_from_db()
    assert bounced.resolved_at is None  # another outbox email is not reaching the candidate another way


def test_recording_costs_queries_per_group_not_per_message(groups_of_20):
    for _ in range(60):
        due_message()
    with CaptureQueriesContext(connection) as ten:
        assert sending.messages_send_due(worker="w", limit=10).sent == 10
    with CaptureQueriesContext(connection) as fifty:
        assert sending.messages_send_due(worker="w", limit=50).sent == 50
    handovers = [q for q in fifty.captured_queries if "SET handover_at = " in q["sql"]]
    assert len(handovers) == 50  # the one statement a message costs on its own: its hand-over mark
    per_group = len(ten) - 10  # one group, and the batch's claim and reads
    # Forty more messages, two more groups: what grows is the hand-over marks, not the recording.
    assert len(fifty) - 50 <= per_group + 2 * 16
    assert len(fifty) - len(ten) < 2 * 40  # under two queries a message, whatever the batch's own cost


def test_a_failure_in_the_middle_of_a_group_is_recorded_after_the_messages_sent_before_it(smtp):
    smtp.program("accept", "accept", "554", "accept")
    messages = [due_message() for _ in range(4)]
    report = sending.messages_send_due(worker="w", limit=10)
    assert (report.sent, report.failed) == (3, 1)
    assert [reload(m).status for m in messages] == [Status.SENT, Status.SENT, Status.FAILED, Status.SENT]
    assert ContactEvent.objects.filter(message__in=messages).count() == 3
    attempts = MessageAttempt.objects.filter(message__in=messages).order_by("pk")
    assert [(a.message_id, a.outcome) for a in attempts] == [
        (messages[0].pk, Outcome.SENT),
        (messages[1].pk, Outcome.SENT),
        (messages[2].pk, Outcome.PERMANENT),
        (messages[3].pk, Outcome.SENT),
    ]


def test_a_worker_stopped_mid_batch_records_what_was_accepted_and_leaves_the_rest_to_the_relay(
    wednesday_morning, monkeypatch, groups_of_20, sent_tasks
):
    from django.core.mail.backends import locmem

    messages = [due_message() for _ in range(30)]
    original = locmem.EmailBackend.send_messages
    handed = []

    def send_messages(self, emails):
        handed.append(1)
        if len(handed) == 25:
            raise WorkerStopped  # while the 25th message is on the wire
        return original(self, emails)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", send_messages)
    with pytest.raises(WorkerStopped):
        sending.messages_send_due(worker="w", limit=100)
    monkeypatch.setattr(locmem.EmailBackend, "send_messages", original)
    statuses = [reload(m).status for m in messages]
    # Twenty recorded as a full group, four more when the batch was cut short.
    assert statuses == [Status.SENT] * 24 + [Status.SENDING] * 6
    assert ContactEvent.objects.filter(message__in=messages).count() == 24
    assert reload(messages[24]).handover_at is not None
    assert all(reload(m).handover_at is None for m in messages[25:])

    wednesday_morning.shift(dt.timedelta(minutes=6))
    relay = relay_services.messages_relay()
    assert (relay.unknown, relay.requeued) == (1, 5)
    assert sending.messages_send_due(worker="w2", limit=100).sent == 5
    assert reload(messages[24]).status == Status.UNKNOWN
    assert RecruiterPrompt.objects.filter(message=messages[24], reason="outcome_unknown").exists()
    assert len(mail.outbox) == 29  # the 25th never went out again
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == {
        m.message_id for i, m in enumerate(messages) if i != 24
    }


def test_a_worker_that_dies_before_recording_its_group_leaves_only_its_last_message_unknown(
    wednesday_morning, monkeypatch, groups_of_20, sent_tasks
):
    messages = [due_message() for _ in range(30)]
    original = recording.record_sent_many
    groups = []

    def record_once(group, *, worker, at=None):
        groups.append(len(group))
        if len(groups) > 1:
            raise WorkerStopped  # the worker dies before the second group is written down
        return original(group, worker=worker, at=at)

    with monkeypatch.context() as dying:
        dying.setattr(recording, "record_sent_many", record_once)
        with pytest.raises(WorkerStopped):
            sending.messages_send_due(worker="w", limit=100)
    assert groups == [20, 10]
    assert len(mail.outbox) == 30
    assert [reload(m).status for m in messages] == [Status.SENT] * 20 + [Status.SENDING] * 10
    # Each acceptance was noted with the next hand-over: all but the last one's.
    assert [reload(m).sent_at is not None for m in messages[20:]] == [True] * 9 + [False]
    assert not ContactEvent.objects.filter(message__in=messages[20:]).exists()

    wednesday_morning.shift(dt.timedelta(minutes=6))
    relay = relay_services.messages_relay()
    assert (relay.sent, relay.unknown, relay.requeued) == (9, 1, 0)
    assert [reload(m).status for m in messages[20:]] == [Status.SENT] * 9 + [Status.UNKNOWN]
    for message in messages[20:29]:
        contact = ContactEvent.objects.get(message=message)
        assert contact.at == WEDNESDAY_10  # when the server accepted it, not when the relay found it
        assert reload(message).application.last_informed_at == WEDNESDAY_10
        assert reload(message).attempt_log.get().outcome == Outcome.SENT
    assert RecruiterPrompt.objects.filter(message=messages[29], reason="outcome_unknown").exists()
    assert sending.messages_send_due(worker="w2", limit=100).claimed == 0
    assert len(mail.outbox) == 30  # nothing twice


def test_a_recorded_message_is_never_recorded_twice_by_a_late_worker_or_the_relay(
    wednesday_morning, monkeypatch, sent_tasks
):
    first, second = due_message(), due_message()
    sending.claim(worker="slow", limit=2, now=timezone.now(), message_id=None, report=sending.SendReport())
    assert handover.mark_handover(first.pk, "slow")
    assert handover.mark_handover(second.pk, "slow", accepted=first.pk)  # the first was accepted
    wednesday_morning.shift(dt.timedelta(minutes=6))
    relay = relay_services.messages_relay()
    assert (relay.sent, relay.unknown) == (1, 1)
    # The worker comes back and records both: the first is already recorded, the second arrived after all.
    recorded = recording.record_sent_many([reload(first), reload(second)], worker="slow")
    assert [m.pk for m in recorded] == [second.pk]
    assert ContactEvent.objects.filter(message__in=[first, second]).count() == 2
    assert MessageAttempt.objects.filter(message=first).count() == 1
    assert {reload(m).status for m in (first, second)} == {Status.SENT}
    assert RecruiterPrompt.objects.get(message=second, reason="outcome_unknown").resolved_at is not None


def test_an_internationalised_address_never_breaks_the_stage_change_and_fails_visibly_at_send_time(smtp):
    message = due_message(email="josé@exämple.example")
    assert message.to_address == "josé@exämple.example"
    assert sending.messages_send_due(worker="w", limit=5).failed == 1
    message = reload(message)
    assert message.status == Status.FAILED
    assert message.status_reason.startswith("It could not be sent: ValueError")
    assert RecruiterPrompt.objects.filter(message=message, reason="delivery_failed").exists()
    assert smtp.count() == 0


# --- the tasks --------------------------------------------------------------------------------------------


def test_the_tasks_take_ids_and_call_the_services(sent_tasks):
    from notifications.tasks import outbox as tasks

    chained = sent_tasks
    first, second, third = due_message(), due_message(), due_message()
    tasks.send_message(first.pk)
    assert reload(first).status == Status.SENT
    tasks.send_due_batch(limit=1)
    assert chained == [SentTask("notifications.tasks.outbox.send_due_batch", [], {"limit": 1}, None)]  # hands on
    tasks.send_due_batch(limit=5)
    assert len(chained) == 1
    assert {reload(m).status for m in (second, third)} == {Status.SENT}


def test_a_full_batch_that_sent_nothing_does_not_chain(settings, sent_tasks):
    from notifications.tasks import outbox as tasks

    chained = sent_tasks
    smtp_mailer(settings, free_port())
    due_message()
    tasks.send_due_batch(limit=1)
    assert chained == []


def test_the_body_waits_for_its_hand_over_mark_and_never_goes_when_the_lease_was_lost(smtp, monkeypatch):
    """The mark is written while the envelope goes; the body goes only once it is committed and held."""
    lost, kept = due_message(), due_message()
    ids = sending.claim(worker="slow", limit=2, now=timezone.now(), message_id=None, report=sending.SendReport())
    real_mark = handover.mark_handover

    def taken_meanwhile(message_id, worker, **kwargs):
        if message_id == lost.pk:  # another worker took the first message over meanwhile
            return False
        return real_mark(message_id, worker, **kwargs)

    monkeypatch.setattr(handover, "mark_handover", taken_meanwhile)
    report = sending.SendReport()
    sending._send_claimed(ids, worker="slow", report=report)
    assert [arrived.message["To"] for arrived in smtp.received] == [kept.to_address]
    assert (report.sent, report.failed, report.unknown) == (1, 0, 0)
    assert reload(kept).status == Status.SENT
    assert (reload(lost).status, reload(lost).handover_at) == (Status.SENDING, None)
