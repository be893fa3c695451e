"""What a person does with the outbox: a check-in, a personal email, and editing, releasing, cancelling
or retrying a message before or after it goes."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from notifications import rendering
from notifications.models import InboundMessage, MessageTemplate, OutboundMessage
from notifications.services import daily, freshness
from notifications.services.inbound_reading import reply_thread
from notifications.services.outbox import (
    TRANSITIONS,
    WAITING,
    MessageDraft,
    Status,
    messages_create,
    person_name,
    send_time,
    wake_after_commit,
)
from notifications.services.templates import template_preview
from recruiting import calendar
from recruiting.audit import audit_log_record
from recruiting.models import Application, ClientChase, RecruiterPrompt
from recruiting.permissions import can_act_on, ensure_can_act, ensure_can_act_on_application
from recruiting.services import prompts

User = AbstractBaseUser
Code = MessageTemplate.Code


def _application_fresh(application: Application) -> Application:
    # The caller's instance may predate a preference change: suppression must see the current one.
    return Application.objects.select_related("candidate", "job__client", "owner__profile").get(pk=application.pk)


def check_in_key(*, application_id: int) -> str:
    """Today's check-in of an application (the firm's day): one a day, so a second click finds the first."""
    today = timezone.localdate(timezone=calendar.firm_time_zone())
    return f"check_in:{application_id}:{today.isoformat()}"


@transaction.atomic
def message_check_in_queue(*, application: Application, by: User | None) -> OutboundMessage:
    """The "still in process, no news yet" email: at most one per application per day (firm's calendar)."""
    application = _application_fresh(application)
    ensure_can_act_on_application(by, application)
    if not application.is_active:
        raise ValidationError("A check-in only makes sense while the application is open.")
    candidate = application.candidate
    draft = MessageDraft(
        idempotency_key=check_in_key(application_id=application.pk),
        template_code=Code.CHECK_IN,
        to_address=candidate.email,
        # What the recruiter reads in the outbox is what the candidate will read (rendered again when sent).
        fields=freshness.merge_fields_as_sent(application=application),
        candidate=candidate,
        application=application,
        recipient_user=None,
        stage_change=None,
        hold_minutes=settings.INLOOP_HOLD_MINUTES,
        window_tz=candidate.time_zone,
    )
    return messages_create(drafts=[draft], by=by)[0]


@transaction.atomic
def message_personal_queue(
    *,
    application: Application,
    subject: str,
    body: str,
    by: User | None,
    idempotency_key: str | None = None,
    answering: InboundMessage | None = None,
) -> OutboundMessage:
    """A recruiter's own email to the candidate: goes out now, paused candidates included
    (docs/rules.md#candidate-wishes).

    Give `idempotency_key` (e.g. from the form) so that a double submit does not send it twice. Given
    `answering`, an email of theirs that came back, it goes as the answer to it, in the same thread of the
    candidate's mail.
    """
    application = _application_fresh(application)
    ensure_can_act_on_application(by, application)
    subject, body = rendering.one_line(subject), body.strip()
    errors = {}
    if not subject:
        errors["subject"] = "Write a subject."
    if not body:
        errors["body"] = "Write a message."
    elif too_long := rendering.body_too_long(body):
        errors["body"] = too_long
    in_reply_to = references = ""
    if answering is not None:
        if answering.application is None or answering.application.candidate_id != application.candidate_id:
            errors["body"] = "The email you are answering is not this candidate's: open their page again."
        else:
            in_reply_to, references = reply_thread(answering)
    if errors:
        raise ValidationError(errors)
    candidate = application.candidate
    fields = freshness.merge_fields_as_sent(application=application)
    fields |= {"personal_subject": subject, "personal_body": body}
    draft = MessageDraft(
        idempotency_key=idempotency_key or f"personal:{application.pk}:{uuid.uuid4().hex}",
        template_code=Code.PERSONAL,
        to_address=candidate.email,
        fields=fields,
        candidate=candidate,
        application=application,
        recipient_user=None,
        stage_change=None,
        hold_minutes=0,
        window_tz="",
        in_reply_to=in_reply_to,
        references=references,
    )
    return messages_create(drafts=[draft], by=by)[0]


def personal_draft_from_template(*, application: Application, template_code: str) -> tuple[str, str]:
    """A personal email started from one of our templates, rendered for this application: its subject and
    its text without the footer (the personal template adds that). "Write feedback" after a late
    rejection starts from the 'Rejection with feedback' template this way; the recruiter finishes it."""
    rendered = template_preview(application=application, template_code=template_code)
    text, _separator, _footer = rendered.body_text.partition(f"\n{rendering.SIGNATURE_SEPARATOR}\n")
    return rendered.subject, text.strip() + "\n"


@dataclass
class CheckInResult:
    queued: list[OutboundMessage] = field(default_factory=list)
    # (application, why it was not queued)
    skipped: list[tuple[Application, str]] = field(default_factory=list)
    # Ids of the skipped applications whose check-in was written down as suppressed (shown in the outbox).
    suppressed_ids: set[int] = field(default_factory=set)
    # Ids of the queued applications whose candidate already had an automated email today: one a day, so
    # their check-in goes on their next day (daily.py).
    next_day_ids: set[int] = field(default_factory=set)


def _already_today_words(message: OutboundMessage) -> str:
    """What became of today's check-in, found again by a second click: one a day, so nothing new is queued."""
    one_a_day = "one check-in a day is the most we send, so nothing new was queued"
    status = message.status
    if status in WAITING:
        return (
            f"Today's check-in is already in the outbox ({message.get_status_display().lower()}, goes out after "
            f"{calendar.moment_words(message.send_after, zone=True)}); {one_a_day}. You can read or cancel it there."
        )
    if status == Status.SENDING:
        return f"Today's check-in is going out right now; {one_a_day}."
    if status == Status.SENT:
        sent = calendar.moment_words(message.sent_at, zone=True) if message.sent_at else "earlier today"
        return f"Today's check-in already went ({sent}); {one_a_day}. A personal email can still reach them today."
    if status == Status.CANCELLED:
        return (
            f"Today's check-in was cancelled; {one_a_day} before tomorrow. A personal email can still reach them today."
        )
    if status == Status.SUPPRESSED:
        return f"Today's check-in was not sent: {message.status_reason} Nothing new was queued."
    return f"Today's check-in is in the outbox ({message.get_status_display().lower()}): look at it there; {one_a_day}."


@transaction.atomic
def check_ins_queue(*, applications: Iterable[Application], by: User | None) -> CheckInResult:
    """One click: queue the "still in process" check-in for one application or a selection.

    The messages go through the outbox with its hold window; the prompts close when a message is sent.
    Permission is checked for the whole selection before anything is queued. An application whose
    check-in of today exists already gets no second one: the result says what became of the first.
    """
    selection = list(Application.objects.filter(pk__in=[a.pk for a in applications]).select_related("candidate", "job"))
    for application in selection:
        ensure_can_act_on_application(by, application)
    keys = {application.pk: check_in_key(application_id=application.pk) for application in selection}
    today = {
        message.idempotency_key: message
        for message in OutboundMessage.objects.filter(idempotency_key__in=keys.values())
    }
    result = CheckInResult()
    for application in selection:
        if (earlier := today.get(keys[application.pk])) is not None:
            result.skipped.append((application, _already_today_words(earlier)))
            continue
        try:
            with transaction.atomic():
                message = message_check_in_queue(application=application, by=by)
        except ValidationError as error:
            result.skipped.append((application, " ".join(error.messages)))
            continue
        if message.status in (OutboundMessage.Status.SUPPRESSED, OutboundMessage.Status.CANCELLED):
            # Written down so the recruiter sees what did not go and why (a paused or bounced candidate).
            result.skipped.append((application, message.status_reason))
            result.suppressed_ids.add(application.pk)
            continue
        result.queued.append(message)
        prompts.prompts_attach_message(application=application, message_id=message.pk)
    if result.queued:
        told = daily.candidates_told_today(
            {message.candidate_id for message in result.queued},
            now=timezone.now(),
            claiming=[message.pk for message in result.queued],
        )
        result.next_day_ids = {message.application_id for message in result.queued if message.candidate_id in told}
    return result


def _message_lock(message: OutboundMessage) -> OutboundMessage:
    return (
        OutboundMessage.objects.select_for_update(of=("self",))
        .select_related("candidate", "application__job__client", "application__owner__profile")
        .get(pk=message.pk)
    )


def _ensure_can_act_on_message(by: User | None, message: OutboundMessage) -> None:
    if message.application_id is not None:
        ensure_can_act_on_application(by, message.application)
    elif message.template_code == MessageTemplate.Code.CLIENT_CHASE:
        # A feedback request to a hiring manager names several candidates: any of their owners may act on it.
        owners = set(ClientChase.objects.filter(message=message).values_list("application__owner_id", flat=True))
        if not any(can_act_on(by, owner_id) for owner_id in owners):
            ensure_can_act(by, 0)
    else:
        ensure_can_act(by, message.recipient_user_id or 0)


def _ensure_can_edit_message(by: User | None, message: OutboundMessage) -> None:
    """Editing a request to a hiring manager rewrites what the client reads about every candidate it names,
    one-click answer links included: only who may act on all of them may edit it."""
    _ensure_can_act_on_message(by, message)
    if message.application_id is None and message.template_code == MessageTemplate.Code.CLIENT_CHASE:
        owners = set(ClientChase.objects.filter(message=message).values_list("application__owner_id", flat=True))
        if not all(can_act_on(by, owner_id) for owner_id in owners):
            raise PermissionDenied(
                "This request names candidates of recruiters you cannot act for: only who may act on all of them "
                "can edit it."
            )


def _ensure_transition(message: OutboundMessage, to_status: str, doing: str) -> None:
    if to_status not in TRANSITIONS[message.status]:
        raise ValidationError(f"This message is {message.get_status_display().lower()}: it cannot be {doing}.")


@transaction.atomic
def message_edit(*, message: OutboundMessage, subject: str, body_text: str, by: User | None) -> OutboundMessage:
    """Change a message before it goes. Its HTML part is made again from the edited text.

    From now on it goes as written (it is no longer rendered again at send time: freshness.py). A message
    sent back because a date it stated had passed is held again once edited, for its recruiter to send.
    """
    message = _message_lock(message)
    _ensure_can_edit_message(by, message)
    if message.status not in (*WAITING, Status.RETURNED):
        raise ValidationError(f"This message is {message.get_status_display().lower()}: it can no longer be edited.")
    # Compared with the text it would go with now (what the person was shown): saved unchanged, it is no
    # edit, and it goes on being rendered at send time.
    freshness.messages_preview_fresh([message])
    subject, body_text = rendering.one_line(subject), body_text.strip()
    if not subject or not body_text:
        raise ValidationError("A message needs a subject and a text.")
    if too_long := rendering.body_too_long(body_text):
        raise ValidationError({"body_text": too_long})
    subject, body_text = subject[:250], body_text + "\n"
    new_html = rendering.text_to_html(body_text, title=subject)
    changed = [
        name
        for name, value in (("subject", subject), ("body_text", body_text), ("body_html", new_html))
        if getattr(message, name) != value
    ]
    message.subject, message.body_text, message.body_html = subject, body_text, new_html
    fields = ["subject", "body_text", "body_html"]
    if changed:
        # A person's words from now on: sent as written, never rendered again (freshness.py).
        message.edited_at = timezone.now()
        fields.append("edited_at")
    if message.status == Status.RETURNED:
        message.status = Status.HELD
        message.status_reason = f"Edited by {person_name(by)} after it was sent back; held until it is sent."[:300]
        message.send_after = send_time(
            timezone.now() + timedelta(minutes=settings.INLOOP_HOLD_MINUTES), message.send_window_tz
        )
        fields += ["status", "status_reason", "send_after"]
    message.save(update_fields=fields)
    audit_log_record(actor=by, action="message.edit", obj=message, details={"changed": changed})
    if message.status == Status.HELD and "send_after" in fields:
        wake_after_commit(message.pk, message.send_after)
    return message


@transaction.atomic
def message_send_now(*, message: OutboundMessage, by: User | None) -> OutboundMessage:
    """Skip the hold window and the business hours: the person has read it and wants it out."""
    message = _message_lock(message)
    _ensure_can_act_on_message(by, message)
    # Only a message still waiting: one a worker holds may already be with the mail server, and a failed
    # or unknown one goes again through message_retry, which settles its prompt.
    if message.status not in WAITING:
        raise ValidationError(f"This message is {message.get_status_display().lower()}: it cannot be sent now.")
    message.status = Status.QUEUED
    message.send_after = timezone.now()
    message.send_window_tz = ""
    message.save(update_fields=["status", "send_after", "send_window_tz"])
    audit_log_record(actor=by, action="message.send_now", obj=message)
    wake_after_commit(message.pk, message.send_after)
    return message


@transaction.atomic
def message_cancel(*, message: OutboundMessage, by: User | None, reason: str = "") -> OutboundMessage:
    message = _message_lock(message)
    _ensure_can_act_on_message(by, message)
    _ensure_transition(message, Status.CANCELLED, "cancelled")
    message.status = Status.CANCELLED
    why = f": {reason.strip()}" if reason.strip() else "."
    message.status_reason = f"Cancelled by {person_name(by)}{why}"[:300]
    message.save(update_fields=["status", "status_reason"])
    audit_log_record(actor=by, action="message.cancel", obj=message, details={"reason": reason})
    return message


@transaction.atomic
def message_retry(*, message: OutboundMessage, by: User) -> OutboundMessage:
    """Send a failed message again, or one whose outcome is unknown (a person's call: it may arrive twice)."""
    message = _message_lock(message)
    _ensure_can_act_on_message(by, message)
    if message.status not in (Status.FAILED, Status.UNKNOWN):
        raise ValidationError("Only a failed message, or one whose outcome is unknown, can be sent again.")
    previous = message.status
    now = timezone.now()
    message.status = Status.QUEUED
    message.status_reason = f"Sent again by {person_name(by)}."[:300]
    message.send_after = now
    message.attempts = 0
    message.handover_at = None
    message.save(update_fields=["status", "status_reason", "send_after", "attempts", "handover_at"])
    prompts.prompts_resolve_for_messages(
        message_ids=[message.pk],
        reasons=(RecruiterPrompt.Reason.DELIVERY_FAILED, RecruiterPrompt.Reason.OUTCOME_UNKNOWN),
        resolution=f"Sent again by {person_name(by)}.",
    )
    audit_log_record(actor=by, action="message.retry", obj=message, details={"from": previous})
    wake_after_commit(message.pk, message.send_after)
    return message
