"""Recruiter prompts as the people who work from them read them."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from recruiting.models import RecruiterPrompt, Role
from recruiting.permissions import role_of

User = AbstractBaseUser

PROMPT_RELATED = (
    "application__candidate",
    "application__job__client",
    "recruiter",
    "escalated_to",
)


def _not_snoozed(now: datetime) -> Q:
    return Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now)


def prompts_open(*, now: datetime | None = None, include_snoozed: bool = False) -> QuerySet[RecruiterPrompt]:
    """Every open prompt, oldest due first; snoozed ones only when asked for."""
    now = now or timezone.now()
    prompts = RecruiterPrompt.objects.filter(resolved_at__isnull=True)
    if not include_snoozed:
        prompts = prompts.filter(_not_snoozed(now))
    return prompts.select_related(*PROMPT_RELATED).order_by("due_at", "id")


def _visible_to(user: User) -> Q | None:
    """Whose prompts the user looks after: their own; a team lead's teams and escalations; all for an admin."""
    role = role_of(user)
    if role == Role.ADMIN:
        return None
    mine = Q(recruiter=user)
    if role != Role.TEAM_LEAD:
        return mine
    team = Q(recruiter__profile__team__lead=user) | Q(escalated_to=user)
    profile = getattr(user, "profile", None)
    if profile is not None and profile.team_id is not None:
        team |= Q(recruiter__profile__team_id=profile.team_id)
    return mine | team


def prompts_open_for_user(
    *, user: User, now: datetime | None = None, include_snoozed: bool = False
) -> QuerySet[RecruiterPrompt]:
    """The open prompts a user works from: theirs, their team's for a team lead, all for an admin."""
    prompts = prompts_open(now=now, include_snoozed=include_snoozed)
    visible = _visible_to(user)
    return prompts if visible is None else prompts.filter(visible)


def prompts_snoozed_for_user(*, user: User, now: datetime | None = None) -> QuerySet[RecruiterPrompt]:
    """Open prompts put aside until a later date, soonest back first."""
    now = now or timezone.now()
    prompts = prompts_open(now=now, include_snoozed=True).filter(snoozed_until__gt=now).order_by("snoozed_until", "id")
    visible = _visible_to(user)
    return prompts if visible is None else prompts.filter(visible)


def prompts_escalated_to(*, user: User, now: datetime | None = None) -> QuerySet[RecruiterPrompt]:
    """Open prompts escalated to this team lead."""
    return prompts_open(now=now).filter(escalated_to=user)


def prompts_open_for_application(*, application_id: int) -> QuerySet[RecruiterPrompt]:
    return (
        RecruiterPrompt.objects.filter(application_id=application_id, resolved_at__isnull=True)
        .select_related("recruiter", "escalated_to")
        .order_by("due_at", "id")
    )
