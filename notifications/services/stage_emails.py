"""Which email a stage change owes the candidate (docs/rules.md#rejection-by-depth,
docs/rules.md#many-jobs and the stage policies), and writing it.

The pipeline publishes every batch of stage changes as the event recruiting.events.ApplicationsMoved, inside the
move's transaction; inloop/subscriptions.py subscribes stage_changes_written (stage_changes_notify on
changes just written) to it.
"""

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from notifications import rendering
from notifications.models import MessageTemplate, OutboundMessage
from notifications.services import channels, stage_email_reads
from notifications.services.outbox import (
    WAITING,
    MessageDraft,
    Status,
    messages_cancel_waiting,
    messages_create,
    send_time,
    suppression_reason,
)
from recruiting import selectors
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

User = AbstractBaseUser
Code = MessageTemplate.Code

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


def _superseded_reason(stage_change: StageChange) -> str:
    if stage_change.from_stage in (Stage.REJECTED, Stage.WITHDRAWN, Stage.PLACED):
        return "Cancelled: the application was reopened."
    if _is_backward(stage_change.from_stage, stage_change.to_stage):
        return f"Cancelled: the application moved back to {Stage(stage_change.to_stage).label}."
    return f"Cancelled: superseded by the move to {Stage(stage_change.to_stage).label}."


def _messages_cancel_superseded(*, stage_changes: list[StageChange], by: User | None) -> int:
    """A stage change makes every automated message still waiting for its application stale."""
    change_of = {stage_change.application_id: stage_change for stage_change in stage_changes}
    waiting = stage_email_reads.waiting_for_update(
        application_ids=list(change_of), stage_change_ids=[stage_change.pk for stage_change in stage_changes]
    )
    # The safety net stays while the application is open: a move tells the candidate nothing by itself
    # (its own email may be suppressed or cancelled), and the silence it breaks is still there.
    stale = [
        (pk, application_id)
        for pk, application_id, code in waiting
        if code != Code.SAFETY_NET or change_of[application_id].to_stage not in ACTIVE_STAGES
    ]
    return messages_cancel_waiting(
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


OFFER_ELSEWHERE_REASON = "Not sent: the candidate holds an offer or placement for another job."
# The automated rejections docs/rules.md#many-jobs holds back.
REJECTIONS = (Code.REJECTION_EARLY, Code.REJECTION_LATE)


def _rejections_elsewhere_cancel(*, applications: list[Application], by: User | None) -> int:
    """docs/rules.md#many-jobs: an offer or placement cancels the automated rejections still waiting for other jobs."""
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
    return messages_cancel_waiting(
        cancels=[
            (message_id, OFFER_ELSEWHERE_REASON, {"application": offer_of[candidate_id].pk})
            for message_id, candidate_id in waiting
        ],
        by=by,
    )


def _is_backward(from_stage: str, to_stage: str) -> bool:
    """A move back along the pipeline: a correction."""
    return from_stage in PIPELINE and to_stage in PIPELINE and PIPELINE.index(to_stage) < PIPELINE.index(from_stage)


def _reached_client(application: Application) -> bool:
    return application.stage_changes.filter(to_stage__in=SUBMITTED_STAGES).exists()


@dataclass(frozen=True)
class StageEmail:
    """What a stage change owes the candidate by email, and a sentence saying so to the recruiter."""

    code: str | None
    hold_minutes: int = 0
    note: str = ""
    # Set when the email is written but must not go (docs/rules.md#many-jobs): the row is created cancelled with this.
    cancel_reason: str = ""


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
    """Decide the automated email of a move from `from_stage` to `to_stage` (docs/rules.md#rejection-by-depth,
    docs/rules.md#many-jobs and the policy).

    - a backward move is a correction and sends nothing;
    - a rejection after the client saw the candidate sends nothing automated: feedback is owed
      (docs/rules.md#rejection-by-depth);
    - an early rejection of a candidate holding an offer or placement elsewhere is cancelled
      (docs/rules.md#many-jobs);
    - otherwise the stage's policy row, or the defaults: the stage's template, and the row's hold or, when
      it leaves the hold empty, the stage's default (recruiting.selectors.stage_hold_minutes).
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
        )
    if not notify:
        return StageEmail(None, note="You chose not to email the candidate about this move.")
    if _is_backward(from_stage, to_stage):
        return StageEmail(None, note="Moving back is a correction: no email is sent.")
    row = policy_row()
    if row is not None and not row.notify_candidate:
        return StageEmail(None, note="The policy of this stage sends no automated email.")
    code = (row.template_code if row is not None else "") or DEFAULT_STAGE_TEMPLATES.get(to_stage, "")
    if not code:
        return StageEmail(None, note="No automated email for this stage.")
    hold = selectors.stage_hold_minutes(to_stage, row)
    if code in REJECTIONS and holds_offer_elsewhere():
        return StageEmail(code, hold, note=OFFER_ELSEWHERE_REASON, cancel_reason=OFFER_ELSEWHERE_REASON)
    note = (
        f"The '{Code(code).label}' email waits {_hold_words(hold)} for you to read, edit or cancel it, "
        "then goes out in the candidate's business hours."
    )
    return StageEmail(code, hold, note=note)


def _goes_by_text_instead(application: Application, code: str) -> bool:
    """The message goes by text instead of email (the email's suppressions then do not apply)."""
    text = channels.text_preview(application=application, template_code=code)
    return text is not None and text[2]


def stage_template_code(*, application: Application, to_stage: str) -> tuple[str | None, str]:
    """For the move form: the template a move would send now (None when nothing goes), and why."""
    decision = stage_email_decision(application=application, from_stage=application.stage, to_stage=to_stage)
    if decision.code is None or decision.cancel_reason:
        return None, decision.note
    reason = suppression_reason(candidate=application.candidate, to_address=application.candidate.email, automated=True)
    if reason and not _goes_by_text_instead(application, decision.code):
        return decision.code, f"{decision.note} It will not be sent, though: {reason}"
    return decision.code, decision.note


def stage_email_send_moment(*, application: Application, to_stage: str, now: datetime | None = None) -> datetime:
    """For the move form's preview: when the email a move to `to_stage` owes would go, after its hold and
    in the candidate's business hours (the moment its dates are written for, docs/rules.md#no-surprise)."""
    decision = stage_email_decision(application=application, from_stage=application.stage, to_stage=to_stage)
    now = now or timezone.now()
    return send_time(now + timedelta(minutes=decision.hold_minutes), application.candidate.time_zone)


class _StageChangeFacts:
    """What the decisions and emails of a batch of stage changes read: each read once, when first needed.

    Read after the stage changes are written, so "reached the client" counts the new one, and the
    candidates' other applications are seen in their new stages.
    """

    def __init__(
        self, stage_changes: list[StageChange], holidays: frozenset | None, policy_rows: Mapping | None = None
    ) -> None:
        self._stage_changes = stage_changes
        self._holidays = holidays
        self._policy_rows = policy_rows

    @cached_property
    def holidays(self) -> frozenset:
        return self._holidays if self._holidays is not None else selectors.firm_holidays()

    @cached_property
    def reached_client(self) -> set[int]:
        """The applications (ids) that ever entered a stage in which the client sees the candidate."""
        return self._applications[0]

    @cached_property
    def _applications(self) -> tuple[set[int], dict[int, list[tuple[int, str]]]]:
        """reached_client and _live_or_placed in one query: the moved applications and the candidates'
        applications still in the pipeline or placed, each with whether it ever reached the client."""
        moved = {change.application_id for change in self._stage_changes}
        live = (*ACTIVE_STAGES, Stage.PLACED)
        candidates = {change.application.candidate_id for change in self._stage_changes}
        rows = stage_email_reads.live_or_moved(candidate_ids=candidates, stages=live, moved_ids=moved)
        reached, found = set(), defaultdict(list)
        for candidate_id, pk, stage, ever_reached in rows:
            if ever_reached and pk in moved:
                reached.add(pk)
            if stage in live:
                found[candidate_id].append((pk, stage))
        return reached, found

    @cached_property
    def policy_rows(self) -> Mapping[str, StagePolicy]:
        if self._policy_rows is not None:
            return self._policy_rows
        to_stages = {change.to_stage for change in self._stage_changes}
        return {row.stage: row for row in StagePolicy.objects.filter(stage__in=to_stages)}

    @cached_property
    def _live_or_placed(self) -> dict[int, list[tuple[int, str]]]:
        """Per candidate, their applications still in the pipeline or placed: (id, stage)."""
        return self._applications[1]

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


# Inside the pipeline's transaction (a savepoint would add two statements to every move and protect
# nothing: an error here undoes the move too); its own when called alone.
@transaction.atomic(savepoint=False)
def stage_changes_notify(
    *,
    stage_changes: Sequence[StageChange],
    by: User | None,
    holidays: frozenset | None = None,
    policy_rows: Mapping[str, StagePolicy] | None = None,
    keys_new: bool = False,
) -> list[OutboundMessage | None]:
    """What a batch of stage changes owes, inside the pipeline's transaction; one result per change.

    For each change: cancels the automated messages still waiting for its application (moved on, moved
    back, reopened) and, on an offer or placement, the rejections still waiting for the candidate's other
    jobs (docs/rules.md#many-jobs); then writes the one message the change owes, if any (see
    stage_email_decision). A late rejection owes none: the pipeline's move opened its FEEDBACK_OWED prompt
    (recruiting.services.feedback).

    A constant number of queries for the batch, whatever its size: each fact (waiting messages,
    "reached the client", offers and live applications elsewhere, policies, templates, suppressions,
    holidays) is read once, and messages and audit rows are written in bulk. The changes are
    expected on distinct applications, each loaded with its candidate, job, client, owner and owner's
    profile (the emails are written from them); `holidays` are the firm's and `policy_rows` every stage's
    policy row (selectors.stage_policy_rows), when the caller has them. `keys_new` when the stage
    changes were written in this transaction, so that no message can have their keys yet
    (stage_changes_written; outbox.messages_create's keys_new).
    """
    changes = list(stage_changes)
    if not changes:
        return []
    facts = _StageChangeFacts(changes, holidays, policy_rows)
    _messages_cancel_superseded(stage_changes=changes, by=by)
    offers = [change.application for change in changes if change.to_stage in OFFER_STAGES]
    if offers:
        _rejections_elsewhere_cancel(applications=offers, by=by)
    decisions = [facts.decision(change) for change in changes]
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
    messages = messages_create(drafts=list(drafts.values()), by=by, holidays=facts.holidays, keys_new=keys_new)
    written = dict(zip(drafts, messages, strict=True))
    return [written.get(change.pk) for change in changes]


def stage_changes_written(
    *,
    stage_changes: Sequence[StageChange],
    by: User | None,
    holidays: frozenset | None = None,
    policy_rows: Mapping[str, StagePolicy] | None = None,
) -> list[OutboundMessage | None]:
    """Subscribed to recruiting.events.ApplicationsMoved, which the pipeline publishes as it writes the
    stage changes, in their transaction: stage_changes_notify on changes no message can name yet."""
    return stage_changes_notify(
        stage_changes=stage_changes, by=by, holidays=holidays, policy_rows=policy_rows, keys_new=True
    )
