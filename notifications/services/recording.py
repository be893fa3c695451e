"""Recording what the mail server did with each message: sent (in groups), failed, unknown, suppressed.

A sent message becomes a contact on its application's timeline through the pipeline's
contact_log_messages_sent (which resets the clock and settles the prompts); a failed or unknown one opens
a prompt for the recruiter through the pipeline's prompt services.
"""

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import F, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from notifications import events as notification_events
from notifications.models import MessageAttempt, MessageTemplate, OutboundMessage
from notifications.services.outbox import Status, wake_after_commit
from recruiting import events
from recruiting.audit import audit_log_record
from recruiting.models import ContactEvent, RecruiterPrompt
from recruiting.services import MessageSent, contact_log_messages_sent, prompts

logger = logging.getLogger(__name__)

RETRY_CEILING_SECONDS = 3600
# Sent messages are recorded in groups of at most this many, or after this long: a whole batch
# (sending.BATCH_SIZE) in one group on a server that keeps up. A worker that dies leaves at most the
# message on the wire unknown whatever the size (see handover.mark_handover); the group only delays the
# timeline and the clock by this much.
GROUP_SIZE = 100
GROUP_SECONDS = 5.0
# The channel on the timeline of a message sent over each of the outbox's channels.
CONTACT_CHANNEL = {
    OutboundMessage.Channel.EMAIL: ContactEvent.Channel.EMAIL,
    OutboundMessage.Channel.SMS: ContactEvent.Channel.SMS,
}


def lease() -> timedelta:
    # Longer than the send task's hard time limit: an expired lease means its worker is gone.
    return timedelta(seconds=settings.INLOOP_OUTBOX_LEASE_SECONDS)


def max_attempts() -> int:
    return settings.INLOOP_OUTBOX_MAX_ATTEMPTS


def retry_base_seconds() -> float:
    return settings.INLOOP_OUTBOX_RETRY_BASE_SECONDS


def retry_delay(attempt: int, *, base_seconds: float | None = None, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter: between half and all of base * 2^(attempt-1), capped at an hour.

    The jitter spreads retries of a batch that failed together, so they do not all hit the server at once.
    """
    base = retry_base_seconds() if base_seconds is None else base_seconds
    ceiling = min(base * 2 ** max(attempt - 1, 0), RETRY_CEILING_SECONDS)
    return timedelta(seconds=ceiling / 2 + (rng or random).uniform(0, ceiling / 2))


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unknown: int = 0
    suppressed: int = 0
    # Edited messages whose stated date had passed: back with their recruiters, not sent.
    returned: int = 0
    released: int = 0
    rescheduled: int = 0
    message_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class SendError:
    outcome: str  # a MessageAttempt.Outcome
    smtp_code: int | None
    detail: str
    connection_broken: bool


def attempt_record(
    message_id: int, *, outcome: str, worker: str, smtp_code: int | None = None, detail: str = ""
) -> None:
    MessageAttempt.objects.create(
        message_id=message_id, outcome=outcome, smtp_code=smtp_code, detail=detail, worker=worker[:200]
    )


@transaction.atomic
def record_sent_many(
    messages: list[OutboundMessage], *, worker: str, at: datetime | None = None
) -> list[OutboundMessage]:
    """Record messages the server accepted, as one group in one transaction; returns those recorded.

    A constant number of queries for the group: the rows locked and read, set to `sent` in one update,
    the attempts in one insert, and the contacts on the timeline, the candidates' clocks, the prompts they
    settle and the audit rows through contact_log_messages_sent; then MessagesSent is published (in the same
    transaction). A row the relay gave up as `unknown`
    meanwhile did arrive after all; a row no longer this worker's (or already recorded) is left alone.
    """
    if not messages:
        return []
    now = at or timezone.now()
    held = dict(
        OutboundMessage.objects.select_for_update()
        .filter(
            pk__in=[message.pk for message in messages], leased_by=worker, status__in=(Status.SENDING, Status.UNKNOWN)
        )
        .values_list("pk", "status")
    )
    for message in messages:
        if message.pk not in held:
            logger.warning("Message %s was sent but its row changed hands meanwhile.", message.pk)
    messages = [message for message in messages if message.pk in held]
    if not messages:
        return []
    was_unknown = {pk for pk, status in held.items() if status == Status.UNKNOWN}
    OutboundMessage.objects.filter(pk__in=list(held)).update(
        status=Status.SENT, sent_at=now, attempts=F("attempts") + 1, lease_expires_at=None, last_error=""
    )
    _attempts_sent(messages, worker=worker)
    contact_log_messages_sent(
        messages=[
            MessageSent(
                application_id=message.application_id,
                outbound_message_id=message.pk,
                summary=f"{MessageTemplate.Code(message.template_code).label}: {message.subject}"[:1000],
                personal=message.template_code == MessageTemplate.Code.PERSONAL,
                channel=CONTACT_CHANNEL[message.channel],
            )
            for message in messages
            if message.application_id is not None
        ],
        at=now,
    )
    if was_unknown:
        prompts.prompts_resolve_for_messages(
            message_ids=was_unknown,
            reasons=(RecruiterPrompt.Reason.OUTCOME_UNKNOWN,),
            resolution="The message turned out to be sent.",
        )
    events.publish(notification_events.MessagesSent(messages=messages, at=now))
    return messages


def _attempts_sent(messages: list[OutboundMessage], *, worker: str) -> None:
    MessageAttempt.objects.bulk_create(
        MessageAttempt(
            message_id=message.pk,
            outcome=MessageAttempt.Outcome.SENT,
            smtp_code=250 if message.channel == OutboundMessage.Channel.EMAIL else None,
            worker=worker[:200],
        )
        for message in messages
    )


def note_accepted(messages: list[OutboundMessage], *, worker: str) -> int:
    """Note, in a statement of its own, that the server accepted these messages (those not noted yet)."""
    return OutboundMessage.objects.filter(
        pk__in=[message.pk for message in messages], leased_by=worker, status=Status.SENDING, sent_at__isnull=True
    ).update(sent_at=timezone.now())


class SentGroup:
    """Messages handed over and accepted but not yet recorded, written down together.

    Recorded when GROUP_SIZE are waiting or the oldest has waited GROUP_SECONDS, and always before a
    failure is recorded and when the batch ends. Each hand-over mark also notes that the server accepted
    the message before it (`sent_at`), so a worker that dies in between leaves them `sending` with that
    note: the relay records them sent, and only the message that was on the wire becomes `unknown`,
    never a second send.
    """

    def __init__(self, *, worker: str, report: SendReport) -> None:
        self.worker, self.report = worker, report
        self.waiting: list[OutboundMessage] = []
        self.since = 0.0

    def add(self, message: OutboundMessage, members: list[OutboundMessage] | None = None) -> None:
        """An email the server accepted: a message, with the messages combined into it (recorded with it).

        The lead goes last, so that the next hand-over mark notes the acceptance of its whole email."""
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.extend([*(members or []), message])
        if len(self.waiting) >= GROUP_SIZE or time.monotonic() - self.since >= GROUP_SECONDS:
            self.flush()

    def last_accepted(self) -> int | None:
        """The message accepted last, when it waits to be recorded (its acceptance is noted with the next
        hand-over)."""
        return self.waiting[-1].pk if self.waiting else None

    def flush(self) -> None:
        waiting, self.waiting = self.waiting, []
        if not waiting:
            return
        try:
            record_sent_many(waiting, worker=self.worker)
        except OperationalError:
            # A deadlock with another transaction, or a connection that dropped: first note that the
            # server accepted every one of them (the relay records them sent should this worker not),
            # then try once more.
            logger.warning("Recording %d sent messages failed; trying once more.", len(waiting), exc_info=True)
            note_accepted(waiting, worker=self.worker)
            record_sent_many(waiting, worker=self.worker)
        self.report.sent += len(waiting)
        self.report.message_ids.extend(message.pk for message in waiting)


@transaction.atomic
def record_failure(message: OutboundMessage, *, worker: str, error: SendError) -> str:
    """Record a failed try; returns the message's new status."""
    now = timezone.now()
    attempts = message.attempts + 1
    changes: dict[str, object] = {
        "attempts": attempts,
        "last_error": error.detail,
        "lease_expires_at": None,
    }
    if error.outcome == MessageAttempt.Outcome.TRANSIENT and attempts < max_attempts():
        status = Status.QUEUED
        changes |= {"send_after": now + retry_delay(attempts), "handover_at": None, "leased_by": ""}
    elif error.outcome == MessageAttempt.Outcome.UNKNOWN:
        status = Status.UNKNOWN
        changes["status_reason"] = "The connection broke after the message was handed over: it may have arrived."
    else:
        status = Status.FAILED
        if error.outcome == MessageAttempt.Outcome.TRANSIENT:
            changes["status_reason"] = f"Gave up after {attempts} tries."
        elif error.smtp_code is not None:
            changes["status_reason"] = f"The mail server refused it ({error.smtp_code})."
        else:
            changes["status_reason"] = f"It could not be sent: {error.detail}"[:300]
    updated = OutboundMessage.objects.filter(pk=message.pk, leased_by=worker, status=Status.SENDING).update(
        status=status, **changes
    )
    if not updated:
        return message.status
    attempt_record(message.pk, outcome=error.outcome, worker=worker, smtp_code=error.smtp_code, detail=error.detail)
    if status == Status.QUEUED:
        wake_after_commit(message.pk, changes["send_after"])
    elif message.application is not None:
        unknown = status == Status.UNKNOWN
        prompts.prompt_open(
            application=message.application,
            reason=RecruiterPrompt.Reason.OUTCOME_UNKNOWN if unknown else RecruiterPrompt.Reason.DELIVERY_FAILED,
            detail=f"{MessageTemplate.Code(message.template_code).label}: {changes['status_reason']}",
            message=message,
        )
    return status


@transaction.atomic
def record_suppressed(message: OutboundMessage, *, reason: str) -> None:
    OutboundMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.SUPPRESSED, status_reason=reason[:300], lease_expires_at=None
    )
    audit_log_record(actor=None, action="message.suppress", obj=message, details={"reason": reason[:300]})


def record_failure_combined(
    lead: OutboundMessage, members: list[OutboundMessage], *, worker: str, error: SendError
) -> tuple[str, int]:
    """Record a failed try of an email for its lead and every message combined into it; returns the lead's
    new status and how many messages it concerns. Retried, they are due again together, apart again."""
    status = record_failure(lead, worker=worker, error=error)
    for member in members:
        record_failure(member, worker=worker, error=error)
    if members:
        retry_at = OutboundMessage.objects.filter(pk=lead.pk, status=Status.QUEUED).values_list("send_after", flat=True)
        OutboundMessage.objects.filter(pk__in=[member.pk for member in members]).update(combined_into=None)
        OutboundMessage.objects.filter(pk__in=[member.pk for member in members], status=Status.QUEUED).update(
            send_after=Coalesce(Subquery(retry_at[:1]), F("send_after"))
        )
    return status, 1 + len(members)


def report_count(report: SendReport, outcome: tuple[str, int]) -> None:
    """Count a failed try's outcome (record_failure_combined's answer) in the report."""
    status, count = outcome
    if status == Status.QUEUED:
        report.retrying += count
    elif status == Status.UNKNOWN:
        report.unknown += count
    elif status == Status.FAILED:
        report.failed += count


@transaction.atomic
def record_returned(message: OutboundMessage, *, reason: str, worker: str) -> None:
    """An edited message whose date has passed goes back to its recruiter instead of out (freshness.py)."""
    updated = OutboundMessage.objects.filter(pk=message.pk, status=Status.SENDING, leased_by=worker).update(
        status=Status.RETURNED, status_reason=reason[:300], lease_expires_at=None, leased_by=""
    )
    if updated:
        audit_log_record(actor=None, action="message.return", obj=message, details={"reason": reason[:300]})
