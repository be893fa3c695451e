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
import socket
import time
import uuid
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.utils import timezone

from candidates import links
from notifications import rendering
from notifications.backends import HandoverWithdrawn, Phase
from notifications.models import MessageAttempt, MessageTemplate, OutboundMessage
from notifications.services import channels, daily, freshness, texts_outbox
from notifications.services.handover import HandoverMark, classify_send_error
from notifications.services.outbox import (
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
from notifications.services.recording import (
    SendError,
    SendReport,
    SentGroup,
    lease,
    record_failure_combined,
    record_returned,
    record_suppressed,
    report_count,
)
from notifications.services.reply_addresses import reply_address
from notifications.services.stage_emails import OFFER_ELSEWHERE_REASON, REJECTIONS
from recruiting import branding, calendar, policy, selectors
from recruiting.audit import audit_log_record_each
from recruiting.models import OFFER_STAGES, Application, ClientChase, FirmSettings

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
        rows = list(due.order_by("send_after", "id").values_list(*daily.CLAIM_FIELDS)[:limit])
        rows += daily.companions_claim(rows, now=now)
        told = daily.candidates_told_today(
            {row[3] for row in rows if row[3] is not None}, now=now, claiming=[row[0] for row in rows]
        )
        holidays = selectors.firm_holidays() if told else None
        held_over = set(daily.rows_hold_to_next_day(rows, told, now=now, holidays=holidays)) if told else set()
        report.rescheduled += len(held_over)
        claimed, late, rescheduled = [], [], []
        for pk, send_after, window_tz, _candidate_id, _code, must_send_by in rows:
            if pk in held_over:
                continue
            if now - send_after <= LATE_AFTER:
                claimed.append(pk)
                continue
            holidays = selectors.firm_holidays() if holidays is None else holidays
            in_window = not window_tz or policy.within_business_hours(
                now, tz=calendar.zone(window_tz), hours=settings.INLOOP_BUSINESS_HOURS, holidays=holidays
            )
            next_time = None if in_window else send_time(now, window_tz, holidays)
            if next_time is None or (must_send_by is not None and next_time > must_send_by):
                claimed.append(pk)
                late.append((pk, f"Sent late: it was due {moment_words(send_after)} but the outbox was held up."))
            else:
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
            status=Status.SENDING,
            leased_by=worker,
            lease_expires_at=now + lease(),
            handover_at=None,
            combined_into=None,
        )
    report.claimed += len(claimed)
    return claimed


def _chase_owners(message: OutboundMessage) -> list[str]:
    """The owners of the applications a chase names: a chase is about several, and about none on its own."""
    emails = (
        ClientChase.objects.filter(message=message)
        .order_by("application_id")
        .values_list("application__owner__email", flat=True)
    )
    return list(dict.fromkeys(email for email in emails if email))


def _email_for(
    message: OutboundMessage, members: list[OutboundMessage] = (), *, firm: FirmSettings | None = None
) -> EmailMultiAlternatives:
    """The email of a message, or of a lead and the messages combined into it (one email a day)."""
    parts = daily.combined_parts(message, members) if members else message
    headers = {"Message-ID": message.message_id or message_id_for(message.idempotency_key)}
    if message.in_reply_to:
        # An answer to the candidate's email: it joins their thread.
        headers["In-Reply-To"] = message.in_reply_to
        headers["References"] = message.references or message.in_reply_to
    if message.candidate is not None:
        headers["List-Unsubscribe"] = f"<{links.unsubscribe_url(message.candidate)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if message.template_code not in ON_REQUEST:
        headers["Auto-Submitted"] = "auto-generated"
    owner = message.application.owner if message.application is not None else None
    reply_to = []
    chase = message.template_code == MessageTemplate.Code.CLIENT_CHASE
    if (message.candidate_id is not None or chase) and (address := reply_address(message.pk)):
        # A reply comes back to us, matched to this message (the lead of a combined email), and lands on
        # the application's timeline (every application a chase named).
        reply_to = [address]
    elif chase:
        reply_to = _chase_owners(message)
    else:
        reply_to = list(
            dict.fromkeys(
                each.application.owner.email
                for each in (message, *members)
                if each.application is not None and each.application.owner.email
            )
        )
    email = EmailMultiAlternatives(
        subject=rendering.one_line(parts.subject),
        body=parts.body_text,
        from_email=branding.sender_address(firm, recruiter_name=person_name(owner) if owner is not None else ""),
        to=[message.to_address],
        reply_to=reply_to,
        headers=headers,
    )
    if parts.body_html:
        email.attach_alternative(parts.body_html, "text/html")
    return email


def release(ids: list[int], worker: str) -> int:
    """Give back claimed rows that were never handed over: they are simply due again."""
    if not ids:
        return 0
    return OutboundMessage.objects.filter(
        pk__in=ids, status=Status.SENDING, leased_by=worker, handover_at__isnull=True
    ).update(status=Status.QUEUED, leased_by="", lease_expires_at=None, combined_into=None)


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
    """docs/rules.md#many-jobs again at send time: the rejections of this batch whose candidate now holds an offer or a
    placement for another job. Queueing already checks, and an offer cancels the rejections waiting, but a move made
    while a job was being closed may have crossed the close's read. One query, and none for a batch without
    rejections."""
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


def _all_ids(emails: list[tuple[OutboundMessage, list[OutboundMessage]]]) -> list[int]:
    return [message.pk for lead, members in emails for message in (lead, *members)]


SAFETY_NET_OVERTAKEN = "Not sent: the candidate was told something after this safety net was queued."


def _safety_net_overtaken(message: OutboundMessage) -> str:
    """The safety net speaks only into a silence: news given since it was queued (a call, another email)
    makes it needless. Read from the application loaded with the batch: no query."""
    application = message.application
    if message.template_code != MessageTemplate.Code.SAFETY_NET or application is None:
        return ""
    told = application.last_informed_at
    return SAFETY_NET_OVERTAKEN if told is not None and told > message.created_at else ""


def _channel_suppression_reason(message: OutboundMessage, listed: dict, consented: set[int]) -> str:
    if message.channel == channels.SMS:
        return channels.text_suppression_reason(
            candidate=message.candidate,
            template_code=message.template_code,
            to_number=message.to_number,
            consented=consented,
        )
    return suppression_reason(
        candidate=message.candidate,
        to_address=message.to_address,
        automated=message.template_code not in ON_REQUEST,
        listed=listed,
    )


def _messages_to_send(messages: list[OutboundMessage], *, worker: str, report: SendReport) -> list[OutboundMessage]:
    """The claimed messages that may go as they are now: suppression and docs/rules.md#many-jobs checked again, an
    edited message whose date has passed sent back to its recruiter, the others rendered for this moment."""
    now = timezone.now()
    listed = suppression_list([message.to_address for message in messages if message.channel == channels.EMAIL])
    texted = [message.candidate for message in messages if message.channel == channels.SMS]
    consented = channels.texts_consented(texted) if texted else set()
    offered = _rejections_of_candidates_with_offers(messages)
    going = []
    for message in messages:
        reason = (
            _channel_suppression_reason(message, listed, consented)
            or (OFFER_ELSEWHERE_REASON if message.pk in offered else "")
            or _safety_net_overtaken(message)
        )
        if reason:
            record_suppressed(message, reason=reason)
            report.suppressed += 1
            continue
        stale = freshness.stale_reason(message, now)
        if stale:
            record_returned(message, reason=stale, worker=worker)
            report.returned += 1
            continue
        going.append(message)
    freshness.messages_render_fresh(going, now=now)
    return going


def _send_claimed(ids: list[int], *, worker: str, report: SendReport) -> None:
    messages = list(
        OutboundMessage.objects.filter(pk__in=ids, status=Status.SENDING, leased_by=worker)
        # What the message is rendered from at send time (freshness.py), read with it.
        .select_related("candidate", "application__owner__profile", "application__job__client")
        .order_by("send_after", "id")
    )
    going = _messages_to_send(messages, worker=worker, report=report)
    emails = daily.group_by_candidate([message for message in going if message.channel == channels.EMAIL])
    texts = daily.group_by_candidate([message for message in going if message.channel == channels.SMS])
    daily.members_mark(emails + texts)
    if emails:
        _Batch(emails, worker=worker, report=report).send()
    if texts:
        texts_outbox.texts_send(texts, worker=worker, report=report)


class _Batch:
    """The emails of a claimed batch, sent one after the other over one connection.

    Each email's hand-over mark is written while the email is built and its envelope goes (MAIL, RCPT,
    DATA: nothing handed over yet), and waited for before the body goes: the body never leaves before
    its mark is committed, and the round trip to the database costs the batch no time of its own.
    """

    def __init__(self, emails: list[tuple[OutboundMessage, list[OutboundMessage]]], *, worker, report) -> None:
        self.emails, self.worker, self.report = emails, worker, report
        self.mailer = mailers.default
        self.opened = False
        self.sent = SentGroup(worker=worker, report=report)
        # The firm's sending name, read once per batch.
        self.firm = branding.firm_settings()

    def send(self) -> None:
        deadline = time.monotonic() + BATCH_TIME_BUDGET_SECONDS
        try:
            try:
                for index, (message, members) in enumerate(self.emails):
                    if time.monotonic() > deadline:
                        self.report.released += release(_all_ids(self.emails[index:]), self.worker)
                        break
                    if not self.opened and not self._open(index):
                        break
                    if not self._send_one(index, message, members):
                        break
            finally:
                # Also when the batch is cut short by an error: what the server accepted is recorded. Should
                # this fail too, the rows keep their hand-over marks: the relay records the accepted ones sent
                # and makes only the one that was on the wire `unknown`.
                self.sent.flush()
        finally:
            if self.opened:
                _close_quietly(self.mailer)

    def _open(self, index: int) -> bool:
        try:
            self.mailer.open()
            self.opened = True
            return True
        except Exception as error:
            # Nobody to talk to: every message of the batch had its try and waits for the next.
            failure = SendError(
                MessageAttempt.Outcome.TRANSIENT,
                getattr(error, "smtp_code", None),
                f"{type(error).__name__}: {error}"[:1000],
                True,
            )
            self.sent.flush()
            for pending, group in self.emails[index:]:
                report_count(self.report, record_failure_combined(pending, group, worker=self.worker, error=failure))
            return False

    def _send_one(self, index: int, message: OutboundMessage, members: list[OutboundMessage]) -> bool:
        """Send one email; False when the connection broke and the rest of the batch was released."""
        mark = HandoverMark(message.pk, self.worker, accepted=self.sent.last_accepted())
        error = None
        try:
            accepted = self._hand_over(message, members, mark)
        except HandoverWithdrawn:
            # This worker no longer holds the message and its body never left; the connection waits for
            # it, so it is dropped and the next email opens another.
            _close_quietly(self.mailer)
            self.opened = False
            return True
        except Exception as caught:
            accepted, error = False, caught
        finally:
            held = mark.held()  # raises what writing the mark raised
        if error is not None:
            return self._failed(index, message, members, error)
        if not held:
            return True
        if not accepted:
            # The backend sent nothing (a message without a recipient): never recorded as news.
            self.sent.flush()
            nobody = SendError(MessageAttempt.Outcome.PERMANENT, None, "the message has no recipient address.", False)
            report_count(self.report, record_failure_combined(message, members, worker=self.worker, error=nobody))
            return True
        self.sent.add(message, members)
        return True

    def _hand_over(self, message: OutboundMessage, members: list[OutboundMessage], mark: "HandoverMark") -> int:
        """Build the email and give it to the mail server once its mark is written; what the backend returns."""
        email = _email_for(message, members, firm=self.firm)
        gate = getattr(self.mailer, "connection", None)
        if not hasattr(gate, "before_body"):
            # A backend that cannot wait between the envelope and the body: the mark first.
            return self.mailer.send_messages([email]) if mark.held() else 0
        gate.before_body = mark.held
        try:
            return self.mailer.send_messages([email])
        finally:
            gate.before_body = None

    def _failed(self, index: int, message: OutboundMessage, members: list[OutboundMessage], error) -> bool:
        failure = classify_send_error(error, phase=getattr(self.mailer, "handover_phase", None))
        self.sent.flush()
        report_count(self.report, record_failure_combined(message, members, worker=self.worker, error=failure))
        if failure.connection_broken:
            _close_quietly(self.mailer)
            self.report.released += release(_all_ids(self.emails[index + 1 :]), self.worker)
            self.opened = False
            return False
        return True


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
