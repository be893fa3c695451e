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
import os
import smtplib
import socket
import time
import uuid
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection, transaction
from django.utils import timezone

from candidates import links
from recruiting import calendar, policy, selectors
from recruiting.audit import audit_log_record_each
from recruiting.models import OFFER_STAGES, Application

from .. import rendering
from ..backends import Phase
from ..models import MessageAttempt, OutboundMessage
from .outbox import (
    LATE_AFTER,
    ON_REQUEST,
    WAITING,
    Status,
    message_id_for,
    moment_words,
    person_name,
    send_time,
    suppression_list,
    suppression_reason,
)
from .recording import SendError, SendReport, SentGroup, lease, record_failure, record_suppressed
from .reply_addresses import reply_address, sender_for
from .stage_emails import REJECTIONS, RULE_7_REASON

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
# A worker stops starting new messages after this long, well inside the task's soft time limit.
BATCH_TIME_BUDGET_SECONDS = 180


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(*, worker: str, limit: int, now: datetime, message_id: int | None, report: SendReport) -> list[int]:
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
                now, tz=calendar.zone(window_tz), hours=settings.INLOOP_BUSINESS_HOURS, holidays=holidays
            )
            if in_window:
                claimed.append(pk)
                late.append((pk, f"Sent late: it was due {moment_words(send_after)} but the outbox was held up."))
            else:
                next_time = send_time(now, window_tz, holidays)
                note = (
                    f"Due {moment_words(send_after)} but the outbox was held up; moved to the recipient's next "
                    f"business hours, {moment_words(next_time)}."
                )
                OutboundMessage.objects.filter(pk=pk).update(send_after=next_time, status_reason=note[:300])
                rescheduled.append((pk, {"reason": note}))
        audit_log_record_each(actor=None, action="message.reschedule", model=OutboundMessage, entries=rescheduled)
        report.rescheduled += len(rescheduled)
        for pk, note in late:
            OutboundMessage.objects.filter(pk=pk).update(status_reason=note[:300])
        OutboundMessage.objects.filter(pk__in=claimed).update(
            status=Status.SENDING, leased_by=worker, lease_expires_at=now + lease(), handover_at=None
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
    owner = message.application.owner if message.application is not None else None
    reply_to = []
    if message.candidate_id is not None and (address := reply_address(message.pk)):
        # A reply comes back to us, matched to this message, and lands on the application's timeline.
        reply_to = [address]
    elif owner is not None and owner.email:
        reply_to = [owner.email]
    email = EmailMultiAlternatives(
        subject=rendering.one_line(message.subject),
        body=message.body_text,
        from_email=sender_for(person_name(owner)) if owner is not None else settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        reply_to=reply_to,
        headers=headers,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


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


def mark_handover(message_id: int, worker: str, *, accepted: int | None = None) -> bool:
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
                "lease": now + lease(),
                "sending": Status.SENDING.value,
                "worker": worker,
            },
        )
        return any(pk == message_id for (pk,) in cursor.fetchall())


def release(ids: list[int], worker: str) -> int:
    """Give back claimed rows that were never handed over: they are simply due again."""
    if not ids:
        return 0
    return OutboundMessage.objects.filter(
        pk__in=ids, status=Status.SENDING, leased_by=worker, handover_at__isnull=True
    ).update(status=Status.QUEUED, leased_by="", lease_expires_at=None)


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
    listed = suppression_list([message.to_address for message in messages])
    offered = _rejections_of_candidates_with_offers(messages)
    deadline = time.monotonic() + BATCH_TIME_BUDGET_SECONDS
    mailer = mailers.default
    opened = False
    sent = SentGroup(worker=worker, report=report)
    try:
        try:
            for index, message in enumerate(messages):
                if time.monotonic() > deadline:
                    report.released += release([m.pk for m in messages[index:]], worker)
                    break
                reason = suppression_reason(
                    candidate=message.candidate,
                    to_address=message.to_address,
                    automated=message.template_code not in ON_REQUEST,
                    listed=listed,
                ) or (RULE_7_REASON if message.pk in offered else "")
                if reason:
                    record_suppressed(message, reason=reason)
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
                            _count(report, record_failure(pending, worker=worker, error=failure))
                        break
                if not mark_handover(message.pk, worker, accepted=sent.last_accepted()):
                    continue
                try:
                    accepted = mailer.send_messages([_email_for(message)])
                except Exception as error:
                    failure = classify_send_error(error, phase=getattr(mailer, "handover_phase", None))
                    sent.flush()
                    _count(report, record_failure(message, worker=worker, error=failure))
                    if failure.connection_broken:
                        _close_quietly(mailer)
                        report.released += release([m.pk for m in messages[index + 1 :]], worker)
                        opened = False
                        break
                    continue
                if not accepted:
                    # The backend sent nothing (a message without a recipient): never recorded as news.
                    sent.flush()
                    nobody = SendError(
                        MessageAttempt.Outcome.PERMANENT, None, "the message has no recipient address.", False
                    )
                    _count(report, record_failure(message, worker=worker, error=nobody))
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
    ids = claim(worker=worker, limit=limit, now=timezone.now(), message_id=message_id, report=report)
    if ids:
        _send_claimed(ids, worker=worker, report=report)
    return report


def messages_send_due(*, worker: str | None = None, limit: int = BATCH_SIZE) -> SendReport:
    """Claim up to `limit` due messages and send them over one connection."""
    return _claim_and_send(worker=worker, limit=limit, message_id=None)


def message_send(*, message_id: int, worker: str | None = None) -> SendReport:
    """Send one message if it is due and nobody else holds it (what a wake-up after commit asks for)."""
    return _claim_and_send(worker=worker, limit=1, message_id=message_id)
