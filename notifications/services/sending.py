"""Sending the outbox: claim due rows, hand them to the mail server, record what happened; the relay.

See notifications.services.outbox for the life of a message. A worker claims due rows with
`select_for_update(skip_locked=True)` and a lease and commits before it talks to the mail server; one
SMTP connection serves a batch. `handover_at` is marked just before each hand-over, so a message whose
fate is uncertain (the connection died after the body was handed over, or the worker was killed) becomes
`unknown` and is never sent again automatically. Messages the server accepted are recorded in groups
(the timeline, the clock, the prompts, the audit trail in a constant number of queries per group); until
then their acceptance is noted with the next hand-over mark. The relay (beat, every minute) reclaims
expired leases, records what a stopped worker got accepted, and wakes workers for due rows.
"""

import logging
import math
import os
import random
import smtplib
import socket
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from candidates import links
from recruiting import policy, selectors
from recruiting.models import OFFER_STAGES, Application
from recruiting.services import EmailSent, audit_log_record, audit_log_record_each, contact_log_emails_sent

from .. import rendering
from ..backends import Phase
from ..models import MessageAttempt, MessageTemplate, OutboundMessage, RecruiterPrompt
from . import prompts
from .outbox import (
    LATE_AFTER,
    ON_REQUEST,
    REJECTIONS,
    RULE_7_REASON,
    WAITING,
    Status,
    _moment,
    _send_time,
    _suppression_list,
    _wake_after_commit,
    _zone,
    message_id_for,
    suppression_reason,
)

logger = logging.getLogger(__name__)

User = AbstractBaseUser

RETRY_CEILING_SECONDS = 3600
BATCH_SIZE = 100
RELAY_MAX_BATCHES = 8
# A worker stops starting new messages after this long, well inside the task's soft time limit.
BATCH_TIME_BUDGET_SECONDS = 180
# Sent messages are recorded in groups of at most this many, or after this long. A worker that dies
# leaves at most the message on the wire unknown whatever the size (see _mark_handover); the group only
# delays the timeline and the clock by this much.
GROUP_SIZE = 50
GROUP_SECONDS = 0.5


def _lease() -> timedelta:
    # Longer than the send task's hard time limit: an expired lease means its worker is gone.
    return timedelta(seconds=settings.INLOOP_OUTBOX_LEASE_SECONDS)


def _max_attempts() -> int:
    return settings.INLOOP_OUTBOX_MAX_ATTEMPTS


def _retry_base_seconds() -> float:
    return settings.INLOOP_OUTBOX_RETRY_BASE_SECONDS


def retry_delay(attempt: int, *, base_seconds: float | None = None, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter: between half and all of base * 2^(attempt-1), capped at an hour.

    The jitter spreads retries of a batch that failed together, so they do not all hit the server at once.
    """
    base = _retry_base_seconds() if base_seconds is None else base_seconds
    ceiling = min(base * 2 ** max(attempt - 1, 0), RETRY_CEILING_SECONDS)
    return timedelta(seconds=ceiling / 2 + (rng or random).uniform(0, ceiling / 2))


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unknown: int = 0
    suppressed: int = 0
    released: int = 0
    rescheduled: int = 0
    message_ids: list[int] = field(default_factory=list)


def _claim(*, worker: str, limit: int, now: datetime, message_id: int | None, report: SendReport) -> list[int]:
    """Take due rows for this worker and commit at once, so no lock is held while talking to the server."""
    with transaction.atomic():
        due = OutboundMessage.objects.select_for_update(skip_locked=True).filter(
            status__in=WAITING, send_after__lte=now
        )
        if message_id is not None:
            due = due.filter(pk=message_id)
        rows = list(due.order_by("send_after", "id").values_list("pk", "send_after", "send_window_tz")[:limit])
        claimed, late, rescheduled, holidays = [], [], [], None
        for pk, send_after, window_tz in rows:
            if now - send_after <= LATE_AFTER:
                claimed.append(pk)
                continue
            holidays = selectors.firm_holidays() if holidays is None else holidays
            in_window = not window_tz or policy.within_business_hours(
                now, tz=_zone(window_tz), hours=settings.INLOOP_BUSINESS_HOURS, holidays=holidays
            )
            if in_window:
                claimed.append(pk)
                late.append((pk, f"Sent late: it was due {_moment(send_after)} but the outbox was held up."))
            else:
                next_time = _send_time(now, window_tz, holidays)
                note = (
                    f"Due {_moment(send_after)} but the outbox was held up; moved to the recipient's next "
                    f"business hours, {_moment(next_time)}."
                )
                OutboundMessage.objects.filter(pk=pk).update(send_after=next_time, status_reason=note[:300])
                rescheduled.append((pk, {"reason": note}))
        audit_log_record_each(actor=None, action="message.reschedule", model=OutboundMessage, entries=rescheduled)
        report.rescheduled += len(rescheduled)
        for pk, note in late:
            OutboundMessage.objects.filter(pk=pk).update(status_reason=note[:300])
        OutboundMessage.objects.filter(pk__in=claimed).update(
            status=Status.SENDING, leased_by=worker, lease_expires_at=now + _lease(), handover_at=None
        )
    report.claimed += len(claimed)
    return claimed


def _email_for(message: OutboundMessage) -> EmailMultiAlternatives:
    headers = {"Message-ID": message.message_id or message_id_for(message.idempotency_key)}
    if message.candidate is not None:
        headers["List-Unsubscribe"] = f"<{links.unsubscribe_url(message.candidate)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if message.template_code not in ON_REQUEST:
        headers["Auto-Submitted"] = "auto-generated"
    reply_to = []
    if message.application is not None and message.application.owner.email:
        reply_to = [message.application.owner.email]
    email = EmailMultiAlternatives(
        subject=rendering.one_line(message.subject),
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        reply_to=reply_to,
        headers=headers,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


@dataclass(frozen=True)
class SendError:
    outcome: str  # a MessageAttempt.Outcome
    smtp_code: int | None
    detail: str
    connection_broken: bool


def classify_send_error(error: BaseException, *, phase: str | None) -> SendError:
    """What a failure means for the message: permanent, temporary, or unknown (maybe delivered).

    An SMTP reply decides by its code (5xx permanent, 4xx temporary). A lost or silent connection is
    temporary while nothing was handed over, and unknown once the body started to go (phase BODY).
    """
    detail = f"{type(error).__name__}: {error}"[:1000]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        code = codes[0] if codes else None
        permanent = code is not None and code >= 500
        return SendError(
            MessageAttempt.Outcome.PERMANENT if permanent else MessageAttempt.Outcome.TRANSIENT, code, detail, False
        )
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        permanent = 500 <= code < 600
        return SendError(
            MessageAttempt.Outcome.PERMANENT if permanent else MessageAttempt.Outcome.TRANSIENT, code, detail, False
        )
    if isinstance(error, OSError | smtplib.SMTPException):
        outcome = MessageAttempt.Outcome.UNKNOWN if phase == Phase.BODY else MessageAttempt.Outcome.TRANSIENT
        return SendError(outcome, None, detail, True)
    if phase == Phase.BODY:
        return SendError(MessageAttempt.Outcome.UNKNOWN, None, detail, True)
    return SendError(MessageAttempt.Outcome.PERMANENT, None, detail, False)


_HANDOVER_SQL = (
    f"UPDATE {connection.ops.quote_name(OutboundMessage._meta.db_table)} "  # noqa: S608 (names from the model)
    "SET handover_at = CASE WHEN id = %(next)s THEN %(now)s ELSE handover_at END, "
    "lease_expires_at = CASE WHEN id = %(next)s THEN %(lease)s ELSE lease_expires_at END, "
    "sent_at = CASE WHEN id = %(next)s THEN sent_at ELSE %(now)s END "
    "WHERE id IN (%(next)s, %(accepted)s) AND status = %(sending)s AND leased_by = %(worker)s RETURNING id"
)


def _mark_handover(message_id: int, worker: str, *, accepted: int | None = None) -> bool:
    """Claim the moment of hand-over; False when this worker no longer holds the message.

    `accepted` is the message the server accepted just before, still waiting to be recorded with its
    group: the same statement notes when it was accepted (sent_at), so a worker that dies before its
    group is recorded leaves at most the message on the wire unknown. The one statement every message
    costs on its own, written once here rather than built by the ORM for each message.
    """
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _HANDOVER_SQL,
            {
                "next": message_id,
                "accepted": accepted if accepted is not None else message_id,
                "now": now,
                "lease": now + _lease(),
                "sending": Status.SENDING.value,
                "worker": worker,
            },
        )
        return any(pk == message_id for (pk,) in cursor.fetchall())


def _release(ids: list[int], worker: str) -> int:
    """Give back claimed rows that were never handed over: they are simply due again."""
    if not ids:
        return 0
    return OutboundMessage.objects.filter(
        pk__in=ids, status=Status.SENDING, leased_by=worker, handover_at__isnull=True
    ).update(status=Status.QUEUED, leased_by="", lease_expires_at=None)


def _attempt(message_id: int, *, outcome: str, worker: str, smtp_code: int | None = None, detail: str = "") -> None:
    MessageAttempt.objects.create(
        message_id=message_id, outcome=outcome, smtp_code=smtp_code, detail=detail, worker=worker[:200]
    )


@transaction.atomic
def _record_sent_many(
    messages: list[OutboundMessage], *, worker: str, at: datetime | None = None
) -> list[OutboundMessage]:
    """Record messages the server accepted, as one group in one transaction; returns those recorded.

    A constant number of queries for the group: the rows locked and read, set to `sent` in one update,
    the attempts in one insert, and the contacts on the timeline, the candidates' clocks, the prompts they
    settle and the audit rows through contact_log_emails_sent. A row the relay gave up as `unknown`
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
    MessageAttempt.objects.bulk_create(
        MessageAttempt(message_id=message.pk, outcome=MessageAttempt.Outcome.SENT, smtp_code=250, worker=worker[:200])
        for message in messages
    )
    contact_log_emails_sent(
        emails=[
            EmailSent(
                application_id=message.application_id,
                outbound_message_id=message.pk,
                summary=f"{MessageTemplate.Code(message.template_code).label}: {message.subject}"[:1000],
            )
            for message in messages
            if message.application_id is not None
        ],
        at=now,
    )
    if was_unknown:
        RecruiterPrompt.objects.filter(
            message_id__in=was_unknown, reason=RecruiterPrompt.Reason.OUTCOME_UNKNOWN, resolved_at__isnull=True
        ).update(resolved_at=now, resolution="The message turned out to be sent.")
    return messages


def _note_accepted(messages: list[OutboundMessage], *, worker: str) -> int:
    """Note, in a statement of its own, that the server accepted these messages (those not noted yet)."""
    return OutboundMessage.objects.filter(
        pk__in=[message.pk for message in messages], leased_by=worker, status=Status.SENDING, sent_at__isnull=True
    ).update(sent_at=timezone.now())


class _SentGroup:
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

    def add(self, message: OutboundMessage) -> None:
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append(message)
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
            _record_sent_many(waiting, worker=self.worker)
        except OperationalError:
            # A deadlock with another transaction, or a connection that dropped: first note that the
            # server accepted every one of them (the relay records them sent should this worker not),
            # then try once more.
            logger.warning("Recording %d sent messages failed; trying once more.", len(waiting), exc_info=True)
            _note_accepted(waiting, worker=self.worker)
            _record_sent_many(waiting, worker=self.worker)
        self.report.sent += len(waiting)
        self.report.message_ids.extend(message.pk for message in waiting)


@transaction.atomic
def _record_failure(message: OutboundMessage, *, worker: str, error: SendError) -> str:
    """Record a failed try; returns the message's new status."""
    now = timezone.now()
    attempts = message.attempts + 1
    changes: dict[str, object] = {
        "attempts": attempts,
        "last_error": error.detail,
        "lease_expires_at": None,
    }
    if error.outcome == MessageAttempt.Outcome.TRANSIENT and attempts < _max_attempts():
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
    _attempt(message.pk, outcome=error.outcome, worker=worker, smtp_code=error.smtp_code, detail=error.detail)
    if status == Status.QUEUED:
        _wake_after_commit(message.pk, changes["send_after"])
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
def _record_suppressed(message: OutboundMessage, *, reason: str) -> None:
    OutboundMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.SUPPRESSED, status_reason=reason[:300], lease_expires_at=None
    )
    audit_log_record(actor=None, action="message.suppress", obj=message, details={"reason": reason[:300]})


def _close_quietly(mailer) -> None:
    try:
        abort = getattr(mailer, "abort", None)
        if abort is not None and getattr(mailer, "handover_phase", Phase.DONE) not in (Phase.DONE, Phase.IDLE):
            abort()
        else:
            mailer.close()
    except Exception:
        logger.info("Closing the mail connection failed; it is dropped.")


def _rejections_of_candidates_with_offers(messages: list[OutboundMessage]) -> set[int]:
    """Rule 7 again at send time: the rejections of this batch whose candidate now holds an offer or a
    placement for another job. Queueing already checks, and an offer cancels the rejections waiting, but
    a move made while a job was being closed may have crossed the close's read. One query, and none for a
    batch without rejections."""
    rejections = [message for message in messages if message.template_code in REJECTIONS and message.candidate_id]
    if not rejections:
        return set()
    offers = Application.objects.filter(
        candidate_id__in={message.candidate_id for message in rejections}, stage__in=OFFER_STAGES
    ).values_list("candidate_id", "pk")
    elsewhere = defaultdict(set)
    for candidate_id, application_id in offers:
        elsewhere[candidate_id].add(application_id)
    return {message.pk for message in rejections if elsewhere[message.candidate_id] - {message.application_id}}


def _send_claimed(ids: list[int], *, worker: str, report: SendReport) -> None:
    messages = list(
        OutboundMessage.objects.filter(pk__in=ids, status=Status.SENDING, leased_by=worker)
        .select_related("candidate", "application__owner")
        .order_by("send_after", "id")
    )
    listed = _suppression_list([message.to_address for message in messages])
    offered = _rejections_of_candidates_with_offers(messages)
    deadline = time.monotonic() + BATCH_TIME_BUDGET_SECONDS
    mailer = mailers.default
    opened = False
    sent = _SentGroup(worker=worker, report=report)
    try:
        try:
            for index, message in enumerate(messages):
                if time.monotonic() > deadline:
                    report.released += _release([m.pk for m in messages[index:]], worker)
                    break
                reason = suppression_reason(
                    candidate=message.candidate,
                    to_address=message.to_address,
                    automated=message.template_code not in ON_REQUEST,
                    listed=listed,
                ) or (RULE_7_REASON if message.pk in offered else "")
                if reason:
                    _record_suppressed(message, reason=reason)
                    report.suppressed += 1
                    continue
                if not opened:
                    try:
                        mailer.open()
                        opened = True
                    except Exception as error:
                        # Nobody to talk to: every message of the batch had its try and waits for the next.
                        failure = SendError(
                            MessageAttempt.Outcome.TRANSIENT,
                            getattr(error, "smtp_code", None),
                            f"{type(error).__name__}: {error}"[:1000],
                            True,
                        )
                        sent.flush()
                        for pending in messages[index:]:
                            _count(report, _record_failure(pending, worker=worker, error=failure))
                        break
                if not _mark_handover(message.pk, worker, accepted=sent.last_accepted()):
                    continue
                try:
                    accepted = mailer.send_messages([_email_for(message)])
                except Exception as error:
                    failure = classify_send_error(error, phase=getattr(mailer, "handover_phase", None))
                    sent.flush()
                    _count(report, _record_failure(message, worker=worker, error=failure))
                    if failure.connection_broken:
                        _close_quietly(mailer)
                        report.released += _release([m.pk for m in messages[index + 1 :]], worker)
                        opened = False
                        break
                    continue
                if not accepted:
                    # The backend sent nothing (a message without a recipient): never recorded as news.
                    sent.flush()
                    nobody = SendError(
                        MessageAttempt.Outcome.PERMANENT, None, "the message has no recipient address.", False
                    )
                    _count(report, _record_failure(message, worker=worker, error=nobody))
                    continue
                sent.add(message)
        finally:
            # Also when the batch is cut short by an error: what the server accepted is recorded. Should
            # this fail too, the rows keep their hand-over marks: the relay records the accepted ones sent
            # and makes only the one that was on the wire `unknown`.
            sent.flush()
    finally:
        if opened:
            _close_quietly(mailer)


def _count(report: SendReport, status: str) -> None:
    if status == Status.QUEUED:
        report.retrying += 1
    elif status == Status.UNKNOWN:
        report.unknown += 1
    elif status == Status.FAILED:
        report.failed += 1


def _claim_and_send(*, worker: str | None, limit: int, message_id: int | None) -> SendReport:
    worker = worker or _worker_name()
    report = SendReport()
    ids = _claim(worker=worker, limit=limit, now=timezone.now(), message_id=message_id, report=report)
    if ids:
        _send_claimed(ids, worker=worker, report=report)
    return report


def messages_send_due(*, worker: str | None = None, limit: int = BATCH_SIZE) -> SendReport:
    """Claim up to `limit` due messages and send them over one connection."""
    return _claim_and_send(worker=worker, limit=limit, message_id=None)


def message_send(*, message_id: int, worker: str | None = None) -> SendReport:
    """Send one message if it is due and nobody else holds it (what a wake-up after commit asks for)."""
    return _claim_and_send(worker=worker, limit=1, message_id=message_id)


@dataclass
class RelayReport:
    requeued: int = 0
    unknown: int = 0
    # Accepted by the server but not yet recorded when their worker stopped: recorded sent now.
    sent: int = 0
    due: int = 0
    batches: int = 0


def _lease_expired_unknown(message_id: int, now: datetime) -> bool:
    with transaction.atomic():
        updated = OutboundMessage.objects.filter(
            pk=message_id,
            status=Status.SENDING,
            lease_expires_at__lt=now,
            handover_at__isnull=False,
            sent_at__isnull=True,
        ).update(
            status=Status.UNKNOWN,
            lease_expires_at=None,
            attempts=F("attempts") + 1,
            status_reason="The worker stopped while handing it over: it may have arrived.",
        )
        if not updated:
            return False
        message = OutboundMessage.objects.select_related("application").get(pk=message_id)
        _attempt(
            message_id,
            outcome=MessageAttempt.Outcome.UNKNOWN,
            worker=message.leased_by,
            detail="Lease expired after hand-over began; no outcome was recorded.",
        )
        if message.application is not None:
            prompts.prompt_open(
                application=message.application,
                reason=RecruiterPrompt.Reason.OUTCOME_UNKNOWN,
                detail=f"{MessageTemplate.Code(message.template_code).label}: {message.status_reason}",
                message=message,
            )
    return True


def _lease_expired_accepted(expired) -> int:
    """Record as sent, at the moment they were accepted, the messages a stopped worker's server accepted
    but the worker never recorded."""
    accepted = defaultdict(list)
    for message in expired.filter(handover_at__isnull=False, sent_at__isnull=False).order_by("pk"):
        accepted[(message.leased_by, message.sent_at)].append(message)
    recorded = 0
    for (worker, at), messages in accepted.items():
        try:
            recorded += len(_record_sent_many(messages, worker=worker, at=at))
        except DatabaseError:
            # Left as they are for the next run; the rest of the relay's work goes on.
            logger.warning("Recording %d accepted messages of %s failed.", len(messages), worker, exc_info=True)
    return recorded


def messages_relay(*, now: datetime | None = None) -> RelayReport:
    """Beat, every minute: reclaim expired leases, then wake workers for every due row."""
    now = now or timezone.now()
    report = RelayReport()
    expired = OutboundMessage.objects.filter(status=Status.SENDING, lease_expires_at__lt=now)
    report.requeued = expired.filter(handover_at__isnull=True).update(
        status=Status.QUEUED, leased_by="", lease_expires_at=None
    )
    report.sent = _lease_expired_accepted(expired)
    for message_id in expired.filter(handover_at__isnull=False, sent_at__isnull=True).values_list("pk", flat=True):
        report.unknown += _lease_expired_unknown(message_id, now)
    report.due = OutboundMessage.objects.filter(status__in=WAITING, send_after__lte=now).count()
    report.batches = min(math.ceil(report.due / BATCH_SIZE), RELAY_MAX_BATCHES)
    if report.batches:
        from notifications.tasks.outbox import send_due_batch

        for _ in range(report.batches):
            try:
                send_due_batch.apply_async(kwargs={"limit": BATCH_SIZE}, retry=False)
            except Exception:
                logger.warning("The relay could not reach the broker; due messages wait for the next run.")
                break
    return report
