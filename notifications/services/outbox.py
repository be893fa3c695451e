"""The outbox: every message owed to someone (an email, or a text: notifications.services.channels) is a
row first, and goes out from a worker after commit.

A row is written `held`, `queued` or `suppressed` (with the reason) in the transaction of the event that owes it,
under a unique idempotency key; TRANSITIONS below is the one table of its statuses. Workers claim, hand over and
record (notifications.services.sending), the relay reclaims expired leases, and a late message is never dropped:
it goes now or at the recipient's next opening, never past its `must_send_by`. The life of a message: "The
outbox" in docs/architecture.md.
"""

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from candidates.models import Candidate
from notifications.models import MessageStatus, MessageTemplate, OutboundMessage, Suppression
from notifications.services import channels
from notifications.services.templates import TemplateParts, template_render, templates_in_force
from recruiting import calendar, policy, selectors
from recruiting.audit import audit_log_record_each
from recruiting.models import Application, StageChange
from recruiting.permissions import ensure_can_act_on_application
from recruiting.task_calls import TaskCall, enqueue_on_commit

logger = logging.getLogger(__name__)

User = AbstractBaseUser
Status = MessageStatus

SEND_MESSAGE_TASK = "notifications.tasks.outbox.send_message"

# Every status change a message may make; services check against this before they write.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.HELD: frozenset({Status.QUEUED, Status.SENDING, Status.CANCELLED, Status.SUPPRESSED}),
    Status.QUEUED: frozenset({Status.SENDING, Status.CANCELLED, Status.SUPPRESSED}),
    Status.SENDING: frozenset(
        {Status.SENT, Status.QUEUED, Status.FAILED, Status.UNKNOWN, Status.SUPPRESSED, Status.RETURNED}
    ),
    # Edited again (back to held) or cancelled by its recruiter.
    Status.RETURNED: frozenset({Status.HELD, Status.CANCELLED}),
    Status.FAILED: frozenset({Status.QUEUED}),
    Status.UNKNOWN: frozenset({Status.QUEUED, Status.SENT}),
    Status.SENT: frozenset(),
    Status.SUPPRESSED: frozenset(),
    Status.CANCELLED: frozenset(),
}
WAITING = (Status.HELD, Status.QUEUED)
# Emails a person asked for (the recruiter's own, the candidate's new link): pausing automated updates
# does not stop them (docs/rules.md#candidate-wishes).
ON_REQUEST = (MessageTemplate.Code.PERSONAL, MessageTemplate.Code.STATUS_LINK)

LATE_AFTER = timedelta(minutes=15)
# A wake-up with an ETA further out than this would sit in the broker for long; the relay finds it instead.
WAKE_WITH_ETA_WITHIN = timedelta(minutes=15)


MESSAGE_ID_SALT = "inloop.message-id"


def message_id_for(idempotency_key: str) -> str:
    """A Message-ID that is the same on every try of the same message, so receivers can deduplicate, and
    that nobody can work out from what they know of the message (the keys are made of ids and dates): it
    is an HMAC of the key with the project's secret key."""
    digest = salted_hmac(MESSAGE_ID_SALT, idempotency_key, algorithm="sha256").hexdigest()[:40]
    return f"<{digest}@{settings.INLOOP_MESSAGE_ID_DOMAIN}>"


def moment_words(value: datetime) -> str:
    return calendar.moment_words(value, tz=calendar.firm_time_zone(), zone=True)


def person_name(by: User | None) -> str:
    if by is None:
        return "the system"
    return by.get_full_name() or by.get_username()


def window_zone(*, candidate: Candidate | None, recipient_user: User | None) -> str:
    if candidate is not None:
        return candidate.time_zone
    profile = getattr(recipient_user, "profile", None) if recipient_user is not None else None
    return profile.time_zone if profile is not None else settings.TIME_ZONE


def send_time(earliest: datetime, window_tz: str, holidays: frozenset | None = None) -> datetime:
    if not window_tz:
        return earliest
    return policy.next_send_time(
        earliest,
        tz=calendar.zone(window_tz),
        hours=settings.INLOOP_BUSINESS_HOURS,
        holidays=selectors.firm_holidays() if holidays is None else holidays,
    )


def suppression_reason(
    *, candidate: Candidate | None, to_address: str, automated: bool, listed: dict[str, Suppression] | None = None
) -> str:
    """Why this message must not go, in words for the recruiter; empty when it may go.

    `listed` is the suppression list for the addresses at hand (lower-cased), when the caller read it
    for a whole batch; without it the list is looked up.
    """
    if candidate is not None:
        if candidate.erased_at is not None:
            return "The candidate's data was erased."
        if candidate.do_not_contact:
            detail = f": {candidate.do_not_contact_reason}" if candidate.do_not_contact_reason else "."
            return f"The candidate asked not to be contacted{detail}"[:300]
        if candidate.email_status == Candidate.EmailStatus.BOUNCED:
            return "The candidate's address bounced: reach them another way."
        if candidate.email_status == Candidate.EmailStatus.COMPLAINED:
            return "The candidate marked our email as spam: reach them another way."
        if automated and candidate.automated_updates_paused:
            return "The candidate paused automated updates."
    if listed is None:
        entry = Suppression.objects.filter(email__iexact=to_address).first()
    else:
        entry = listed.get(to_address.lower())
    if entry is not None:
        return f"The address is on the suppression list ({entry.get_reason_display().lower()})."
    return ""


def suppression_list(addresses: list[str]) -> dict[str, Suppression]:
    """The suppression entries of a batch's addresses, in one query, keyed by lower-cased address."""
    lowered = {address.lower() for address in addresses}
    rows = Suppression.objects.annotate(address=Lower("email")).filter(address__in=lowered)
    return {row.address: row for row in rows}


def wake_after_commit(message_id: int, send_after: datetime) -> None:
    """Hint a worker after commit. Rows due later than WAKE_WITH_ETA_WITHIN are left to the relay."""
    wake_many_after_commit([(message_id, send_after)])


def _countdown(send_after: datetime, now: datetime) -> float:
    delay = (send_after - now).total_seconds()
    return delay + 1 if delay > 0 else 0


def wake_many_after_commit(due: Iterable[tuple[int, datetime]]) -> None:
    """Hint workers after commit about messages (id, send_after), in one callback for the whole batch.

    A second of slack on each countdown of a row due later, so that no hint arrives a hair before its row
    is due; a row due now is woken at once.
    """
    now = timezone.now()
    enqueue_on_commit(
        *(
            TaskCall(
                SEND_MESSAGE_TASK,
                args=(message_id,),
                countdown=_countdown(send_after, now),
                hint=True,
            )
            for message_id, send_after in due
            if send_after - now <= WAKE_WITH_ETA_WITHIN
        )
    )


@dataclass(frozen=True)
class MessageDraft:
    """One message to write: what messages_create needs to render, check and hold it."""

    idempotency_key: str
    template_code: str
    to_address: str
    fields: dict[str, object]
    candidate: Candidate | None
    application: Application | None
    recipient_user: User | None
    stage_change: StageChange | None
    hold_minutes: int
    window_tz: str
    # Given when the caller already decided (docs/rules.md#many-jobs writes the row cancelled); else the suppression
    # check.
    status: str | None = None
    status_reason: str = ""
    # Given when the caller computed the send time itself (the safety net's, policy.safety_net_send_time),
    # with the moment the message must have gone by; else the hold and the window decide.
    send_after: datetime | None = None
    must_send_by: datetime | None = None
    # An answer to an email that came back: the headers that thread it (inbound_reading.reply_thread).
    in_reply_to: str = ""
    references: str = ""
    # A text (channels.drafts_by_channel writes them): its number instead of an address.
    channel: str = OutboundMessage.Channel.EMAIL
    to_number: str = ""


def messages_create(
    *, drafts: list[MessageDraft], by: User | None, holidays: frozenset | None = None, keys_new: bool = False
) -> list[OutboundMessage]:
    """Write the rows of a batch of messages; returns one row per draft, in order.

    A draft whose idempotency key already has a row gets that row: the same event twice gives one
    message. A constant number of queries for the batch: the existing keys, the templates, the
    suppression list and the firm's holidays (unless given) are read once, the rows are inserted in one
    statement (a key written meanwhile by another process is skipped, its row stands) and audited in one.

    `keys_new`: every key names a row written in the caller's transaction (a stage change just recorded),
    so no other transaction can have used it yet: the existing keys are not looked up, and the insert
    itself gives the new rows' ids (two statements fewer).
    """
    keys = list(dict.fromkeys(draft.idempotency_key for draft in drafts))
    rows = {}
    if not keys_new:
        written = OutboundMessage.objects.filter(idempotency_key__in=[*keys, *map(channels.text_key, keys)])
        rows = {message.idempotency_key: message for message in written}
    new = list(
        {
            draft.idempotency_key: draft
            for draft in drafts
            if draft.idempotency_key not in rows and channels.text_key(draft.idempotency_key) not in rows
        }.values()
    )
    if new:
        templates = templates_in_force(draft.template_code for draft in new)
        new = channels.drafts_by_channel(new, templates)
        checked = [draft.to_address for draft in new if draft.status is None and draft.channel == channels.EMAIL]
        listed = suppression_list(checked) if checked else {}
        if holidays is None and any(draft.window_tz for draft in new):
            holidays = selectors.firm_holidays()
        now = timezone.now()
        messages = [message_build(draft, templates[draft.template_code], listed, holidays, now, by) for draft in new]
        created = _rows_insert(messages, keys_new=keys_new)
        audit_log_record_each(
            actor=by,
            action="message.queue",
            model=OutboundMessage,
            entries=[
                (
                    message.pk,
                    {"template": message.template_code, "status": message.status, "reason": message.status_reason},
                )
                for message in created.values()
            ],
        )
        wake_many_after_commit(
            (message.pk, message.send_after) for message in created.values() if message.status in WAITING
        )
        rows |= created
    # The email of a draft, or its text when it goes by text only.
    return [rows.get(draft.idempotency_key) or rows[channels.text_key(draft.idempotency_key)] for draft in drafts]


def _rows_insert(messages: list[OutboundMessage], *, keys_new: bool) -> dict[str, OutboundMessage]:
    """Insert the rows; the rows now under their keys. A key taken meanwhile by another process is skipped
    and its row read back, unless the keys are new (the insert then gives the ids)."""
    if keys_new:
        return {message.idempotency_key: message for message in OutboundMessage.objects.bulk_create(messages)}
    OutboundMessage.objects.bulk_create(messages, ignore_conflicts=True)
    keys = [message.idempotency_key for message in messages]
    return {message.idempotency_key: message for message in OutboundMessage.objects.filter(idempotency_key__in=keys)}


def _status_of(draft: MessageDraft, listed: dict[str, Suppression]) -> tuple[str, str]:
    """The status a new row is written with and why: the caller's, else suppressed or waiting."""
    if draft.status is not None:
        return draft.status, draft.status_reason
    if draft.channel == channels.SMS:
        # The consent was read when the draft was made a text (channels.drafts_by_channel).
        reason = channels.text_suppression_reason(
            candidate=draft.candidate,
            template_code=draft.template_code,
            to_number=draft.to_number,
            consented={draft.candidate.pk},
        )
    else:
        reason = suppression_reason(
            candidate=draft.candidate,
            to_address=draft.to_address,
            automated=draft.template_code not in ON_REQUEST,
            listed=listed,
        )
    if reason:
        return Status.SUPPRESSED, reason
    return (Status.HELD if draft.hold_minutes > 0 else Status.QUEUED), ""


def message_build(
    draft: MessageDraft,
    parts: TemplateParts,
    listed: dict[str, Suppression],
    holidays: frozenset | None,
    now: datetime,
    by: User | None,
) -> OutboundMessage:
    rendered = template_render(code=draft.template_code, fields=draft.fields, parts=parts)
    if draft.channel == channels.SMS:
        rendered = dataclasses.replace(
            rendered, body_text=channels.sms_text(parts, draft.fields, draft.candidate), body_html=""
        )
    status, status_reason = _status_of(draft, listed)
    send_after = draft.send_after or send_time(now + timedelta(minutes=draft.hold_minutes), draft.window_tz, holidays)
    message = OutboundMessage(
        candidate=draft.candidate,
        application=draft.application,
        recipient_user=draft.recipient_user,
        stage_change=draft.stage_change,
        template_code=draft.template_code,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        to_address=draft.to_address.strip(),
        channel=draft.channel,
        to_number=draft.to_number,
        status=status,
        status_reason=status_reason[:300],
        send_after=send_after,
        send_window_tz=draft.window_tz,
        must_send_by=draft.must_send_by,
        idempotency_key=draft.idempotency_key,
        message_id=message_id_for(draft.idempotency_key),
        in_reply_to=draft.in_reply_to,
        references=draft.references,
        created_at=now,
        created_by=by,
    )
    # The address was checked where it was entered (internationalised ones included, which Django's
    # EmailField would refuse): an address the mail server cannot take fails visibly at send time instead
    # of breaking the stage change that owes the message. The related rows were handed to us by the
    # caller, and the database's foreign keys hold them; checking them again would cost four queries.
    message.full_clean(
        exclude=["to_address", "candidate", "application", "recipient_user", "stage_change", "created_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    return message


@transaction.atomic
def message_queue(
    *,
    idempotency_key: str,
    template_code: str,
    to_address: str,
    context: dict[str, object],
    candidate: Candidate | None = None,
    application: Application | None = None,
    recipient_user: User | None = None,
    hold_minutes: int | None = None,
    by: User | None = None,
    respect_business_hours: bool = True,
) -> OutboundMessage:
    """Owe someone an email: render the template with the merge fields in `context` and write one row.

    The same idempotency key twice gives the row of the first call. Sent after the hold window
    (settings.INLOOP_HOLD_MINUTES by default) and, when `respect_business_hours`, inside the
    recipient's business hours (the candidate's time zone, else the recipient user's, else the firm's).
    """
    if by is not None and application is not None:
        ensure_can_act_on_application(by, application)
    hold = settings.INLOOP_HOLD_MINUTES if hold_minutes is None else hold_minutes
    window_tz = window_zone(candidate=candidate, recipient_user=recipient_user) if respect_business_hours else ""
    draft = MessageDraft(
        idempotency_key=idempotency_key,
        template_code=template_code,
        to_address=to_address,
        fields=context,
        candidate=candidate,
        application=application,
        recipient_user=recipient_user,
        stage_change=None,
        hold_minutes=hold,
        window_tz=window_tz,
    )
    return messages_create(drafts=[draft], by=by)[0]


def messages_cancel_waiting(*, cancels: list[tuple[int, str, dict]], by: User | None) -> int:
    """Cancel waiting messages (id, reason, details for the audit row): one update per wording of the reason."""
    by_reason: dict[str, list[int]] = defaultdict(list)
    for message_id, reason, _details in cancels:
        by_reason[reason].append(message_id)
    for reason, message_ids in by_reason.items():
        OutboundMessage.objects.filter(pk__in=message_ids, status__in=WAITING).update(
            status=Status.CANCELLED, status_reason=reason
        )
    audit_log_record_each(
        actor=by,
        action="message.cancel",
        model=OutboundMessage,
        entries=[(message_id, {"reason": reason, **details}) for message_id, reason, details in cancels],
    )
    return len(cancels)
