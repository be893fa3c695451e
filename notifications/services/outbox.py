"""The outbox: every email owed to someone is a row first, and goes out from a worker after commit.

Life of a message (status, see TRANSITIONS):
- Written `held` (in its hold window) or `queued` in the transaction of the event that owes it, with a
  unique idempotency key: the same event twice gives one row. A candidate who may not be written to
  gets the row as `suppressed`, with the reason, so that the recruiter sees what did not go and why.
- A worker claims due rows (`select_for_update(skip_locked=True)`, status `sending`, a lease) and commits
  before it talks to the mail server. It re-checks suppression, marks `handover_at` just before handing
  the message over, and records the outcome: `sent` (then a contact on the timeline, which resets the
  keep-in-the-loop clock), `failed` (permanent; the recruiter is prompted), `queued` again with
  exponential backoff and jitter (temporary), or `unknown` (the connection died after the body was
  handed over: it may have been delivered, so it is never sent again automatically; the recruiter is
  prompted).
- The relay (beat, every minute) reclaims expired leases: a row never handed over goes back to the
  queue, a row with `handover_at` set becomes `unknown`. It then wakes workers for due rows: the Celery
  message is only a hint, so a broker outage delays mail and loses none.

Late messages (quality.md F11). A message more than LATE_AFTER past its send time was held up (broker
or worker outage, mail server down). It is never dropped: if the recipient's business hours are open,
or the message has no send window, it goes out now with a note in `status_reason`; otherwise it moves
to the start of the recipient's next business hours, again with a note. News that became stale in the
meantime (the application moved on) was already cancelled by the stage change itself.
"""

import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from candidates.models import Candidate
from recruiting import policy, selectors
from recruiting.models import (
    ACTIVE_STAGES,
    OFFER_STAGES,
    PIPELINE,
    SUBMITTED_STAGES,
    Application,
    Stage,
    StageChange,
    StagePolicy,
)
from recruiting.permissions import ensure_can_act
from recruiting.services import audit_log_record, audit_log_record_each

from .. import rendering
from ..models import MessageStatus, MessageTemplate, OutboundMessage, RecruiterPrompt, Suppression
from . import prompts
from .templates import TemplateParts, template_render, templates_in_force

logger = logging.getLogger(__name__)

User = AbstractBaseUser
Status = MessageStatus
Code = MessageTemplate.Code

# Every status change a message may make; services check against this before they write.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.HELD: frozenset({Status.QUEUED, Status.SENDING, Status.CANCELLED, Status.SUPPRESSED}),
    Status.QUEUED: frozenset({Status.SENDING, Status.CANCELLED, Status.SUPPRESSED}),
    Status.SENDING: frozenset({Status.SENT, Status.QUEUED, Status.FAILED, Status.UNKNOWN, Status.SUPPRESSED}),
    Status.FAILED: frozenset({Status.QUEUED}),
    Status.UNKNOWN: frozenset({Status.QUEUED, Status.SENT}),
    Status.SENT: frozenset(),
    Status.SUPPRESSED: frozenset(),
    Status.CANCELLED: frozenset(),
}
WAITING = (Status.HELD, Status.QUEUED)
# Emails a person asked for (the recruiter's own, the candidate's new link): pausing automated updates
# does not stop them (rule 5).
ON_REQUEST = (MessageTemplate.Code.PERSONAL, MessageTemplate.Code.STATUS_LINK)

# The automated email of each stage when no StagePolicy row says otherwise (rejections: see _stage_email).
DEFAULT_STAGE_TEMPLATES: dict[str, str] = {
    Stage.NEW: Code.ACKNOWLEDGMENT,
    Stage.SCREENING: Code.SCREENING,
    Stage.SUBMITTED: Code.SUBMITTED,
    Stage.INTERVIEWING: Code.INTERVIEWING,
    Stage.OFFER: Code.OFFER,
    Stage.PLACED: Code.PLACED,
    Stage.REJECTED: Code.REJECTION_EARLY,
    Stage.WITHDRAWN: Code.WITHDRAWAL,
}
FEEDBACK_DUE_BUSINESS_DAYS = 2
LATE_AFTER = timedelta(minutes=15)
# A wake-up with an ETA further out than this would sit in the broker for long; the relay finds it instead.
WAKE_WITH_ETA_WITHIN = timedelta(minutes=15)


def message_id_for(idempotency_key: str) -> str:
    """A Message-ID that is the same on every try of the same message, so receivers can deduplicate."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{settings.INLOOP_MESSAGE_ID_DOMAIN}>"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return selectors.firm_time_zone()


def _moment(value: datetime) -> str:
    return timezone.localtime(value, selectors.firm_time_zone()).strftime("%Y-%m-%d %H:%M %Z")


def _by_name(by: User | None) -> str:
    if by is None:
        return "the system"
    return by.get_full_name() or by.get_username()


def _window_zone(*, candidate: Candidate | None, recipient_user: User | None) -> str:
    if candidate is not None:
        return candidate.time_zone
    profile = getattr(recipient_user, "profile", None) if recipient_user is not None else None
    return profile.time_zone if profile is not None else settings.TIME_ZONE


def _send_time(earliest: datetime, window_tz: str, holidays: frozenset | None = None) -> datetime:
    if not window_tz:
        return earliest
    return policy.next_send_time(
        earliest,
        tz=_zone(window_tz),
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


def _suppression_list(addresses: list[str]) -> dict[str, Suppression]:
    """The suppression entries of a batch's addresses, in one query, keyed by lower-cased address."""
    lowered = {address.lower() for address in addresses}
    rows = Suppression.objects.annotate(address=Lower("email")).filter(address__in=lowered)
    return {row.address: row for row in rows}


def _wake_after_commit(message_id: int, send_after: datetime) -> None:
    """Hint a worker after commit. Rows due later than WAKE_WITH_ETA_WITHIN are left to the relay."""
    _wake_many_after_commit([(message_id, send_after)])


def _wake_many_after_commit(due: Iterable[tuple[int, datetime]]) -> None:
    """Hint workers after commit about messages (id, send_after), in one callback for the whole batch."""
    now = timezone.now()
    soon = [(message_id, send_after) for message_id, send_after in due if send_after - now <= WAKE_WITH_ETA_WITHIN]
    if not soon:
        return

    def wake() -> None:
        from notifications.tasks.outbox import send_message

        for message_id, send_after in soon:
            delay = (send_after - timezone.now()).total_seconds()
            # A second of slack so that the task never arrives a hair before the row is due.
            countdown = delay + 1 if delay > 0 else 0
            try:
                send_message.apply_async(args=[message_id], countdown=countdown, retry=False)
            except Exception:
                # The broker is down: the rows are safe and the relay will find them when it is back.
                logger.warning("Could not wake a worker for message %s; the relay will pick it up.", message_id)
                return

    transaction.on_commit(wake, robust=True)


@dataclass(frozen=True)
class MessageDraft:
    """One message to write: what _messages_create needs to render, check and hold it."""

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
    # Given when the caller already decided (rule 7 writes the row cancelled); else the suppression check.
    status: str | None = None
    status_reason: str = ""


def _messages_create(
    *, drafts: list[MessageDraft], by: User | None, holidays: frozenset | None = None
) -> list[OutboundMessage]:
    """Write the rows of a batch of messages; returns one row per draft, in order.

    A draft whose idempotency key already has a row gets that row: the same event twice gives one
    message. A constant number of queries for the batch: the existing keys, the templates, the
    suppression list and the firm's holidays (unless given) are read once, the rows are inserted in one
    statement (a key written meanwhile by another process is skipped, its row stands) and audited in one.
    """
    keys = list(dict.fromkeys(draft.idempotency_key for draft in drafts))
    rows = {message.idempotency_key: message for message in OutboundMessage.objects.filter(idempotency_key__in=keys)}
    new = list({draft.idempotency_key: draft for draft in drafts if draft.idempotency_key not in rows}.values())
    if new:
        templates = templates_in_force(draft.template_code for draft in new)
        checked = [draft.to_address for draft in new if draft.status is None]
        listed = _suppression_list(checked) if checked else {}
        if holidays is None and any(draft.window_tz for draft in new):
            holidays = selectors.firm_holidays()
        now = timezone.now()
        messages = [_message_build(draft, templates[draft.template_code], listed, holidays, now, by) for draft in new]
        OutboundMessage.objects.bulk_create(messages, ignore_conflicts=True)
        created = {
            message.idempotency_key: message
            for message in OutboundMessage.objects.filter(idempotency_key__in=[draft.idempotency_key for draft in new])
        }
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
        _wake_many_after_commit(
            (message.pk, message.send_after) for message in created.values() if message.status in WAITING
        )
        rows |= created
    return [rows[draft.idempotency_key] for draft in drafts]


def _message_build(
    draft: MessageDraft,
    parts: TemplateParts,
    listed: dict[str, Suppression],
    holidays: frozenset | None,
    now: datetime,
    by: User | None,
) -> OutboundMessage:
    rendered = template_render(code=draft.template_code, fields=draft.fields, parts=parts)
    status, status_reason = draft.status, draft.status_reason
    if status is None:
        status_reason = suppression_reason(
            candidate=draft.candidate,
            to_address=draft.to_address,
            automated=draft.template_code not in ON_REQUEST,
            listed=listed,
        )
        if status_reason:
            status = Status.SUPPRESSED
        else:
            status = Status.HELD if draft.hold_minutes > 0 else Status.QUEUED
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
        status=status,
        status_reason=status_reason[:300],
        send_after=_send_time(now + timedelta(minutes=draft.hold_minutes), draft.window_tz, holidays),
        send_window_tz=draft.window_tz,
        idempotency_key=draft.idempotency_key,
        message_id=message_id_for(draft.idempotency_key),
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
        ensure_can_act(by, application.owner_id)
    hold = settings.INLOOP_HOLD_MINUTES if hold_minutes is None else hold_minutes
    window_tz = _window_zone(candidate=candidate, recipient_user=recipient_user) if respect_business_hours else ""
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
    return _messages_create(drafts=[draft], by=by)[0]


def _superseded_reason(stage_change: StageChange) -> str:
    if stage_change.from_stage in (Stage.REJECTED, Stage.WITHDRAWN, Stage.PLACED):
        return "Cancelled: the application was reopened."
    if _is_backward(stage_change.from_stage, stage_change.to_stage):
        return f"Cancelled: the application moved back to {Stage(stage_change.to_stage).label}."
    return f"Cancelled: superseded by the move to {Stage(stage_change.to_stage).label}."


def _messages_cancel_superseded(*, stage_changes: list[StageChange], by: User | None) -> int:
    """A stage change makes every automated message still waiting for its application stale."""
    change_of = {stage_change.application_id: stage_change for stage_change in stage_changes}
    stale = list(
        OutboundMessage.objects.select_for_update()
        .filter(application_id__in=change_of, status__in=WAITING)
        .exclude(template_code=Code.PERSONAL)
        .exclude(stage_change__in=[stage_change.pk for stage_change in stage_changes])
        .values_list("pk", "application_id")
    )
    return _messages_cancel_waiting(
        cancels=[
            (
                message_id,
                _superseded_reason(change_of[application_id]),
                {"stage_change": change_of[application_id].pk},
            )
            for message_id, application_id in stale
        ],
        by=by,
    )


def _messages_cancel_waiting(*, cancels: list[tuple[int, str, dict]], by: User | None) -> int:
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


RULE_7_REASON = "Not sent: the candidate holds an offer or placement for another job (rule 7)."
# The automated rejections rule 7 holds back.
REJECTIONS = (Code.REJECTION_EARLY, Code.REJECTION_LATE)


def _rejections_elsewhere_cancel(*, applications: list[Application], by: User | None) -> int:
    """Rule 7: an offer or placement cancels the automated rejections still waiting for other jobs."""
    offer_of = {application.candidate_id: application for application in applications}
    waiting = list(
        OutboundMessage.objects.select_for_update()
        .filter(
            candidate_id__in=offer_of,
            status__in=WAITING,
            template_code__in=REJECTIONS,
        )
        .exclude(application__in=[application.pk for application in applications])
        .values_list("pk", "candidate_id")
    )
    return _messages_cancel_waiting(
        cancels=[
            (message_id, RULE_7_REASON, {"application": offer_of[candidate_id].pk})
            for message_id, candidate_id in waiting
        ],
        by=by,
    )


def _is_backward(from_stage: str, to_stage: str) -> bool:
    """A move back along the pipeline: a correction."""
    return from_stage in PIPELINE and to_stage in PIPELINE and PIPELINE.index(to_stage) < PIPELINE.index(from_stage)


def _reached_client(application: Application) -> bool:
    return application.stage_changes.filter(to_stage__in=SUBMITTED_STAGES).exists()


FEEDBACK_OWED_DETAIL = (
    "Rejected after meeting the client: tell the candidate yourself, with the client's feedback "
    "(the 'Rejection with feedback' template is a place to start)."
)


def _feedback_prompts_open(*, applications: list[Application], holidays: frozenset) -> None:
    """Rule 6: feedback is owed, FEEDBACK_DUE_BUSINESS_DAYS business days from now, on each application."""
    tz = selectors.firm_time_zone()
    local_now = timezone.localtime(timezone.now(), tz)
    due_day = policy.add_business_days(local_now.date(), FEEDBACK_DUE_BUSINESS_DAYS, holidays)
    prompts.prompts_open_many(
        applications=applications,
        reason=RecruiterPrompt.Reason.FEEDBACK_OWED,
        detail=FEEDBACK_OWED_DETAIL,
        due_at=datetime.combine(due_day, local_now.timetz().replace(tzinfo=None), tzinfo=tz),
    )


@dataclass(frozen=True)
class StageEmail:
    """What a stage change owes the candidate by email, and a sentence saying so to the recruiter."""

    code: str | None
    hold_minutes: int = 0
    note: str = ""
    # Set when the email is written but must not go (rule 7): the row is created cancelled with this.
    cancel_reason: str = ""
    feedback_owed: bool = False


def _hold_words(minutes: int) -> str:
    if minutes % (24 * 60) == 0 and minutes:
        days = minutes // (24 * 60)
        return f"{days} day" if days == 1 else f"{days} days"
    if minutes % 60 == 0 and minutes:
        return f"{minutes // 60} hours" if minutes > 60 else "1 hour"
    return f"{minutes} minutes"


def stage_email_decision(
    *, application: Application, from_stage: str, to_stage: str, notify: bool = True
) -> StageEmail:
    """Decide the automated email of a move from `from_stage` to `to_stage` (rules 6, 7 and the policy).

    - a backward move is a correction and sends nothing;
    - a rejection after the client saw the candidate sends nothing automated: feedback is owed (rule 6);
    - an early rejection of a candidate holding an offer or placement elsewhere is cancelled (rule 7);
    - otherwise the stage's policy row, or the defaults: the stage's template, a hold of
      INLOOP_HOLD_MINUTES (INLOOP_REJECTION_HOLD_MINUTES for rejections). A policy row's hold applies
      as it stands, rejections included.
    """
    return _stage_email_decide(
        from_stage=from_stage,
        to_stage=to_stage,
        notify=notify,
        reached_client=lambda: _reached_client(application),
        policy_row=lambda: StagePolicy.objects.filter(stage=to_stage).first(),
        holds_offer_elsewhere=lambda: (
            application.candidate.applications.filter(stage__in=OFFER_STAGES).exclude(pk=application.pk).exists()
        ),
    )


def _stage_email_decide(
    *,
    from_stage: str,
    to_stage: str,
    notify: bool,
    reached_client: Callable[[], bool],
    policy_row: Callable[[], StagePolicy | None],
    holds_offer_elsewhere: Callable[[], bool],
) -> StageEmail:
    """The decision of stage_email_decision, from facts the caller looks up (one move) or read for a batch.

    Each fact is asked for only when the decision needs it, so one move reads no more than it must.
    """
    if to_stage == Stage.REJECTED and (from_stage in SUBMITTED_STAGES or reached_client()):
        return StageEmail(
            None,
            note="No automated email after the client has seen the candidate: you will be prompted to tell "
            "them yourself, with the client's feedback.",
            feedback_owed=True,
        )
    if not notify:
        return StageEmail(None, note="You chose not to email the candidate about this move.")
    if _is_backward(from_stage, to_stage):
        return StageEmail(None, note="Moving back is a correction: no email is sent.")
    row = policy_row()
    if row is not None and not row.send_automated_email:
        return StageEmail(None, note="The policy of this stage sends no automated email.")
    code = (row.template_code if row is not None else "") or DEFAULT_STAGE_TEMPLATES.get(to_stage, "")
    if not code:
        return StageEmail(None, note="No automated email for this stage.")
    if row is not None:
        hold = row.hold_minutes
    elif to_stage == Stage.REJECTED:
        hold = settings.INLOOP_REJECTION_HOLD_MINUTES
    else:
        hold = settings.INLOOP_HOLD_MINUTES
    if code in REJECTIONS and holds_offer_elsewhere():
        return StageEmail(code, hold, note=RULE_7_REASON, cancel_reason=RULE_7_REASON)
    note = (
        f"The '{Code(code).label}' email waits {_hold_words(hold)} for you to read, edit or cancel it, "
        "then goes out in the candidate's business hours."
    )
    return StageEmail(code, hold, note=note)


def stage_template_code(*, application: Application, to_stage: str) -> tuple[str | None, str]:
    """For the move form: the template a move would send now (None when nothing goes), and why."""
    decision = stage_email_decision(application=application, from_stage=application.stage, to_stage=to_stage)
    if decision.code is None or decision.cancel_reason:
        return None, decision.note
    reason = suppression_reason(candidate=application.candidate, to_address=application.candidate.email, automated=True)
    if reason:
        return decision.code, f"{decision.note} It will not be sent, though: {reason}"
    return decision.code, decision.note


class _StageChangeFacts:
    """What the decisions and emails of a batch of stage changes read: each read once, when first needed.

    Read after the stage changes are written, so "reached the client" counts the new one, and the
    candidates' other applications are seen in their new stages.
    """

    def __init__(self, stage_changes: list[StageChange], holidays: frozenset | None) -> None:
        self._stage_changes = stage_changes
        self._holidays = holidays

    @cached_property
    def holidays(self) -> frozenset:
        return self._holidays if self._holidays is not None else selectors.firm_holidays()

    @cached_property
    def reached_client(self) -> set[int]:
        """The applications (ids) that ever entered a stage in which the client sees the candidate."""
        return set(
            StageChange.objects.filter(
                application__in=[change.application_id for change in self._stage_changes],
                to_stage__in=SUBMITTED_STAGES,
            ).values_list("application_id", flat=True)
        )

    @cached_property
    def policy_rows(self) -> dict[str, StagePolicy]:
        to_stages = {change.to_stage for change in self._stage_changes}
        return {row.stage: row for row in StagePolicy.objects.filter(stage__in=to_stages)}

    @cached_property
    def _live_or_placed(self) -> dict[int, list[tuple[int, str]]]:
        """Per candidate, their applications still in the pipeline or placed: (id, stage)."""
        found: dict[int, list[tuple[int, str]]] = defaultdict(list)
        rows = Application.objects.filter(
            candidate_id__in={change.application.candidate_id for change in self._stage_changes},
            stage__in=(*ACTIVE_STAGES, Stage.PLACED),
        ).values_list("candidate_id", "pk", "stage")
        for candidate_id, pk, stage in rows:
            found[candidate_id].append((pk, stage))
        return found

    def holds_offer_elsewhere(self, application: Application) -> bool:
        return any(
            pk != application.pk and stage in OFFER_STAGES
            for pk, stage in self._live_or_placed[application.candidate_id]
        )

    def others_alive(self, application: Application) -> int:
        return sum(
            pk != application.pk and stage in ACTIVE_STAGES
            for pk, stage in self._live_or_placed[application.candidate_id]
        )

    def decision(self, stage_change: StageChange) -> StageEmail:
        application = stage_change.application
        return _stage_email_decide(
            from_stage=stage_change.from_stage,
            to_stage=stage_change.to_stage,
            notify=stage_change.notify,
            reached_client=lambda: application.pk in self.reached_client,
            policy_row=lambda: self.policy_rows.get(stage_change.to_stage),
            holds_offer_elsewhere=lambda: self.holds_offer_elsewhere(application),
        )

    def merge_fields(self, application: Application) -> dict[str, str]:
        return rendering.application_merge_fields(
            application=application,
            reached_client=application.pk in self.reached_client,
            others_alive=self.others_alive(application),
        )


@transaction.atomic
def stage_change_notify(*, stage_change: StageChange, by: User | None) -> OutboundMessage | None:
    """Called by the pipeline for every stage change (create, move, reopen), inside its transaction.

    The batch of one of stage_changes_notify, so that one move and a closing job decide alike.
    """
    return stage_changes_notify(stage_changes=[stage_change], by=by)[0]


@transaction.atomic
def stage_changes_notify(
    *, stage_changes: Sequence[StageChange], by: User | None, holidays: frozenset | None = None
) -> list[OutboundMessage | None]:
    """What a batch of stage changes owes, inside the pipeline's transaction; one result per change.

    For each change: cancels the automated messages still waiting for its application (moved on, moved
    back, reopened) and, on an offer or placement, the rejections still waiting for the candidate's other
    jobs (rule 7); then writes the one message the change owes, if any (see stage_email_decision). A late
    rejection opens a FEEDBACK_OWED prompt instead, unless the candidate asked not to be contacted.

    A constant number of queries for the batch, whatever its size: each fact (waiting messages,
    "reached the client", offers and live applications elsewhere, policies, templates, suppressions,
    holidays) is read once, and messages, prompts and audit rows are written in bulk. The changes are
    expected on distinct applications, each loaded with its candidate, job, client, owner and owner's
    profile (the emails are written from them); `holidays` are the firm's, when the caller has them.
    """
    changes = list(stage_changes)
    if not changes:
        return []
    facts = _StageChangeFacts(changes, holidays)
    _messages_cancel_superseded(stage_changes=changes, by=by)
    offers = [change.application for change in changes if change.to_stage in OFFER_STAGES]
    if offers:
        _rejections_elsewhere_cancel(applications=offers, by=by)
    decisions = [facts.decision(change) for change in changes]
    owed = [
        change.application
        for change, decision in zip(changes, decisions, strict=True)
        if decision.feedback_owed and not change.application.candidate.do_not_contact
    ]
    if owed:
        _feedback_prompts_open(applications=owed, holidays=facts.holidays)
    drafts: dict[int, MessageDraft] = {}
    for change, decision in zip(changes, decisions, strict=True):
        if decision.code is None:
            continue
        application = change.application
        candidate = application.candidate
        drafts[change.pk] = MessageDraft(
            idempotency_key=f"stage:{change.pk}:{decision.code}",
            template_code=decision.code,
            to_address=candidate.email,
            fields=facts.merge_fields(application),
            candidate=candidate,
            application=application,
            recipient_user=None,
            stage_change=change,
            hold_minutes=decision.hold_minutes,
            window_tz=candidate.time_zone,
            status=Status.CANCELLED if decision.cancel_reason else None,
            status_reason=decision.cancel_reason,
        )
    if not drafts:
        return [None] * len(changes)
    messages = _messages_create(drafts=list(drafts.values()), by=by, holidays=facts.holidays)
    written = dict(zip(drafts, messages, strict=True))
    return [written.get(change.pk) for change in changes]


def _application_fresh(application: Application) -> Application:
    # The caller's instance may predate a preference change: suppression must see the current one.
    return Application.objects.select_related("candidate", "job__client", "owner__profile").get(pk=application.pk)


@transaction.atomic
def message_check_in_queue(*, application: Application, by: User | None) -> OutboundMessage:
    """The "still in process, no news yet" email: at most one per application per day (firm's calendar)."""
    application = _application_fresh(application)
    ensure_can_act(by, application.owner_id)
    if not application.is_active:
        raise ValidationError("A check-in only makes sense while the application is open.")
    today = timezone.localdate(timezone=selectors.firm_time_zone())
    candidate = application.candidate
    draft = MessageDraft(
        idempotency_key=f"check_in:{application.pk}:{today.isoformat()}",
        template_code=Code.CHECK_IN,
        to_address=candidate.email,
        fields=rendering.application_merge_fields(application=application),
        candidate=candidate,
        application=application,
        recipient_user=None,
        stage_change=None,
        hold_minutes=settings.INLOOP_HOLD_MINUTES,
        window_tz=candidate.time_zone,
    )
    return _messages_create(drafts=[draft], by=by)[0]


@transaction.atomic
def message_personal_queue(
    *, application: Application, subject: str, body: str, by: User | None, idempotency_key: str | None = None
) -> OutboundMessage:
    """A recruiter's own email to the candidate: goes out now, paused candidates included (rule 5).

    Give `idempotency_key` (e.g. from the form) so that a double submit does not send it twice.
    """
    application = _application_fresh(application)
    ensure_can_act(by, application.owner_id)
    subject, body = rendering.one_line(subject), body.strip()
    errors = {}
    if not subject:
        errors["subject"] = "Write a subject."
    if not body:
        errors["body"] = "Write a message."
    if errors:
        raise ValidationError(errors)
    candidate = application.candidate
    fields = rendering.application_merge_fields(application=application)
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
    )
    return _messages_create(drafts=[draft], by=by)[0]


# --- What a person can do with a message -----------------------------------------------------------


def _message_lock(message: OutboundMessage) -> OutboundMessage:
    return OutboundMessage.objects.select_for_update(of=("self",)).select_related("application").get(pk=message.pk)


def _ensure_can_act_on_message(by: User | None, message: OutboundMessage) -> None:
    if message.application_id is not None:
        ensure_can_act(by, message.application.owner_id)
    else:
        ensure_can_act(by, message.recipient_user_id or 0)


def _ensure_transition(message: OutboundMessage, to_status: str, doing: str) -> None:
    if to_status not in TRANSITIONS[message.status]:
        raise ValidationError(f"This message is {message.get_status_display().lower()}: it cannot be {doing}.")


@transaction.atomic
def message_edit(*, message: OutboundMessage, subject: str, body_text: str, by: User | None) -> OutboundMessage:
    """Change a message before it goes. Its HTML part is made again from the edited text."""
    message = _message_lock(message)
    _ensure_can_act_on_message(by, message)
    if message.status not in WAITING:
        raise ValidationError(f"This message is {message.get_status_display().lower()}: it can no longer be edited.")
    subject, body_text = rendering.one_line(subject), body_text.strip()
    if not subject or not body_text:
        raise ValidationError("A message needs a subject and a text.")
    subject, body_text = subject[:250], body_text + "\n"
    new_html = rendering.text_to_html(body_text, title=subject)
    changed = [
        name
        for name, value in (("subject", subject), ("body_text", body_text), ("body_html", new_html))
        if getattr(message, name) != value
    ]
    message.subject, message.body_text, message.body_html = subject, body_text, new_html
    message.save(update_fields=["subject", "body_text", "body_html"])
    audit_log_record(actor=by, action="message.edit", obj=message, details={"changed": changed})
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
    _wake_after_commit(message.pk, message.send_after)
    return message


@transaction.atomic
def message_cancel(*, message: OutboundMessage, by: User | None, reason: str = "") -> OutboundMessage:
    message = _message_lock(message)
    _ensure_can_act_on_message(by, message)
    _ensure_transition(message, Status.CANCELLED, "cancelled")
    message.status = Status.CANCELLED
    message.status_reason = (f"Cancelled by {_by_name(by)}" + (f": {reason.strip()}" if reason.strip() else "."))[:300]
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
    message.status_reason = f"Sent again by {_by_name(by)}."[:300]
    message.send_after = now
    message.attempts = 0
    message.handover_at = None
    message.save(update_fields=["status", "status_reason", "send_after", "attempts", "handover_at"])
    RecruiterPrompt.objects.filter(
        message=message,
        resolved_at__isnull=True,
        reason__in=(RecruiterPrompt.Reason.DELIVERY_FAILED, RecruiterPrompt.Reason.OUTCOME_UNKNOWN),
    ).update(resolved_at=now, resolution=f"Sent again by {_by_name(by)}."[:300])
    audit_log_record(actor=by, action="message.retry", obj=message, details={"from": previous})
    _wake_after_commit(message.pk, message.send_after)
    return message
