"""A late rejection owes the candidate feedback from a person (docs/rules.md#rejection-by-depth).

A candidate turned down after the client saw them gets no automated email: their owner is prompted to
tell them, with the client's feedback. The move opens that prompt itself, in its transaction, whatever
the channels above do with the move.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from django.utils import timezone

from recruiting import calendar, policy
from recruiting.models import SUBMITTED_STAGES, RecruiterPrompt, Stage, StageChange
from recruiting.selectors.clock import firm_holidays, stage_policies
from recruiting.services.prompts import prompts_open_many

FEEDBACK_OWED_DETAIL = (
    "Rejected after meeting the client: tell the candidate yourself, with the client's feedback "
    "(the 'Rejection with feedback' template is a place to start)."
)


def late_rejections(stage_changes: Sequence[StageChange]) -> list[StageChange]:
    """The rejections among `stage_changes` that come after the client saw the candidate: from a stage in
    which the client sees them, or of an application that ever entered one."""
    rejections = [change for change in stage_changes if change.to_stage == Stage.REJECTED]
    if not rejections:
        return []
    reached = set(
        StageChange.objects.filter(
            application__in=[change.application_id for change in rejections], to_stage__in=SUBMITTED_STAGES
        ).values_list("application_id", flat=True)
    )
    return [
        change for change in rejections if change.from_stage in SUBMITTED_STAGES or change.application_id in reached
    ]


def feedback_prompts_open(*, stage_changes: Sequence[StageChange], holidays: frozenset[date] | None) -> None:
    """Open a feedback-owed prompt on each late rejection among `stage_changes`, unless the candidate asked
    not to be contacted: due the stage policy's feedback_due_business_days (of the stage it was rejected
    from) after now, same time of day, and escalated to the team lead the policy's escalate-after business
    days later if it is still not given. The changes' applications are loaded with their candidates."""
    owed = [change for change in late_rejections(stage_changes) if not change.application.candidate.do_not_contact]
    if not owed:
        return
    holidays = holidays if holidays is not None else firm_holidays()
    tz = calendar.firm_time_zone()
    now = timezone.now()
    policies = stage_policies()

    def policy_of(change: StageChange) -> policy.SilencePolicy:
        return policies.get(change.from_stage) or policy.DEFAULT_POLICIES[Stage.SUBMITTED]

    by_due: dict[datetime, list[StageChange]] = defaultdict(list)
    for change in owed:
        by_due[policy.feedback_due(rejected_at=now, policy=policy_of(change), tz=tz, holidays=holidays)].append(change)
    for due_at, changes in by_due.items():
        prompts_open_many(
            applications=[change.application for change in changes],
            reason=RecruiterPrompt.Reason.FEEDBACK_OWED,
            detail=FEEDBACK_OWED_DETAIL,
            due_at=due_at,
            escalate_at={
                change.application_id: policy.escalation_due(
                    prompt_due_at=due_at, policy=policy_of(change), tz=tz, holidays=holidays
                )
                for change in changes
            },
        )
