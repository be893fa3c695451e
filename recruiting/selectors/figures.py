"""The keep-in-the-loop figures per recruiter, per team and for the whole firm."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from recruiting.models import ACTIVE_STAGES, Application, ContactEvent, RecruiterPrompt, Stage, Team

# How far back the replies by channel are counted.
REPLIES_WINDOW = timedelta(days=30)

# Open prompts that mean the candidate is owed news whatever the clock says: feedback after a late
# rejection not yet given, and an email that bounced (told means delivered).
UNINFORMED_WHILE_OPEN = (RecruiterPrompt.Reason.FEEDBACK_OWED, RecruiterPrompt.Reason.DELIVERY_FAILED)


def _open_prompt(*reasons: str) -> Exists:
    return Exists(
        RecruiterPrompt.objects.filter(application=OuterRef("pk"), reason__in=reasons, resolved_at__isnull=True)
    )


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"

    def __init__(self, expression, *, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def _days(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 86400, 1)


def _percentile(sorted_values: list[timedelta], fraction: float) -> timedelta | None:
    """Linear interpolation between closest ranks, as percentile_cont does."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _clock_rows(applications: QuerySet[Application], group: str | None, now: datetime) -> dict[int | None, dict]:
    """Per group (or for all, under the key None): active applications, how many within policy, and the
    median, 90th percentile and longest time since the candidate was last told anything."""
    silence = ExpressionWrapper(
        Value(now, output_field=DateTimeField()) - Coalesce("last_informed_at", "created_at"),
        output_field=DurationField(),
    )
    within = (Q(next_update_due__isnull=True) | Q(next_update_due__gte=now)) & ~Q(_open_prompt(*UNINFORMED_WHILE_OPEN))
    aggregates = {
        "active": Count("pk"),
        "within_policy": Count("pk", filter=within),
        "oldest": Max(silence),
    }
    on_postgres = connection.vendor == "postgresql"
    if on_postgres:
        aggregates["median"] = PercentileCont(silence, fraction=0.5, output_field=DurationField())
        aggregates["p90"] = PercentileCont(silence, fraction=0.9, output_field=DurationField())
    if group is None:
        total = applications.aggregate(**aggregates)
        rows = {None: total} if total["active"] else {}
    else:
        rows = {row.pop(group): row for row in applications.values(group).annotate(**aggregates).order_by()}
    if not on_postgres:
        silences: dict[int | None, list[timedelta]] = defaultdict(list)
        fields = ("silence",) if group is None else (group, "silence")
        for values in applications.annotate(silence=silence).values_list(*fields):
            silences[None if group is None else values[0]].append(values[-1])
        for key, row in rows.items():
            ordered = sorted(silences[key])
            row["median"], row["p90"] = _percentile(ordered, 0.5), _percentile(ordered, 0.9)
    return rows


def _figure_row(*, pk: int | None, name: str, clock: dict | None, prompts: dict[str, int]) -> dict:
    clock = clock or {"active": 0, "within_policy": 0, "oldest": None, "median": None, "p90": None}
    active, within = clock["active"], clock["within_policy"]
    return {
        "id": pk,
        "name": name,
        "active": active,
        "within_policy": within,
        "overdue": active - within,
        "within_policy_percent": round(100 * within / active, 1) if active else None,
        "median_days_silent": _days(clock["median"]),
        "p90_days_silent": _days(clock["p90"]),
        "oldest_days_silent": _days(clock["oldest"]),
        "open_prompts": sum(prompts.values()),
        "open_prompts_by_reason": {reason: prompts.get(reason, 0) for reason in RecruiterPrompt.Reason.values},
    }


def loop_figures(
    *,
    now: datetime | None = None,
    recruiter_ids: Iterable[int] | None = None,
    team_ids: Iterable[int] | None = None,
) -> dict:
    """The keep-in-the-loop figures per recruiter, per team and for the whole firm.

    Over active applications of candidates who may be contacted (do-not-contact ones are off the clock),
    and rejected ones whose personal feedback is still owed: the share informed within policy (next update
    not yet past, no feedback owed, no bounced email waiting for another way), the median and 90th percentile of days
    since the candidate was last told anything, the longest such silence, and open prompts by reason.
    Aggregated in the database in six queries whatever the data size (percentiles with percentile_cont on
    PostgreSQL; elsewhere computed here from the silences). `recruiter_ids` / `team_ids` narrow the lists.
    """
    now = now or timezone.now()
    feedback_owed = Q(stage=Stage.REJECTED) & Q(_open_prompt(RecruiterPrompt.Reason.FEEDBACK_OWED))
    applications = Application.objects.filter(
        Q(stage__in=ACTIVE_STAGES) | feedback_owed, candidate__do_not_contact=False
    )
    by_recruiter = _clock_rows(applications, "owner_id", now)
    by_team = _clock_rows(applications.filter(owner__profile__team__isnull=False), "owner__profile__team_id", now)
    firm = _clock_rows(applications, None, now).get(None)

    prompts_by_recruiter, prompts_by_team, prompts_firm = _open_prompt_counts()
    recruiters = _recruiter_rows(by_recruiter, prompts_by_recruiter, recruiter_ids)
    teams = _team_rows(by_team, prompts_by_team, team_ids)
    return {
        "now": now,
        "recruiters": recruiters,
        "teams": teams,
        "firm": _figure_row(pk=None, name="Whole firm", clock=firm, prompts=prompts_firm),
    }


def _open_prompt_counts() -> tuple[dict[int, dict[str, int]], dict[int, dict[str, int]], dict[str, int]]:
    """Open prompts by reason per recruiter, per team and for the whole firm, in one query."""
    prompts_by_recruiter: dict[int, dict[str, int]] = defaultdict(dict)
    prompts_by_team: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    prompts_firm: dict[str, int] = defaultdict(int)
    open_counts = (
        RecruiterPrompt.objects.filter(resolved_at__isnull=True)
        .values("recruiter_id", "recruiter__profile__team_id", "reason")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in open_counts:
        prompts_by_recruiter[row["recruiter_id"]][row["reason"]] = row["count"]
        if row["recruiter__profile__team_id"] is not None:
            prompts_by_team[row["recruiter__profile__team_id"]][row["reason"]] += row["count"]
        prompts_firm[row["reason"]] += row["count"]
    return prompts_by_recruiter, prompts_by_team, prompts_firm


def _recruiter_rows(
    by_recruiter: dict, prompts_by_recruiter: dict[int, dict[str, int]], recruiter_ids: Iterable[int] | None
) -> list[dict]:
    """One figure row per recruiter with applications or open prompts (those named, if any), by name."""
    user_ids = set(by_recruiter) | set(prompts_by_recruiter)
    if recruiter_ids is not None:
        user_ids &= set(recruiter_ids)
    users = get_user_model().objects.filter(pk__in=user_ids)
    return sorted(
        (
            _figure_row(
                pk=user.pk,
                name=user.get_full_name() or user.get_username(),
                clock=by_recruiter.get(user.pk),
                prompts=prompts_by_recruiter.get(user.pk, {}),
            )
            for user in users
        ),
        key=lambda row: row["name"].lower(),
    )


def _team_rows(by_team: dict, prompts_by_team: dict[int, dict[str, int]], team_ids: Iterable[int] | None) -> list[dict]:
    """One figure row per team with applications or open prompts (those named, if any), by name."""
    team_rows = Team.objects.filter(pk__in=set(by_team) | set(prompts_by_team)).order_by("name")
    if team_ids is not None:
        team_rows = team_rows.filter(pk__in=list(team_ids))
    return [
        _figure_row(pk=team.pk, name=team.name, clock=by_team.get(team.pk), prompts=prompts_by_team.get(team.pk, {}))
        for team in team_rows
    ]


def channel_figures(*, now: datetime | None = None) -> dict:
    """By the channel the candidates hear from us (email, texts, both: the candidate's `channel`): the
    share informed within policy, as loop_figures counts it, and the replies of the last REPLIES_WINDOW
    by the channel they came by (email or text): {"channels": rows, "replies": {channel: count}}. Three
    queries (four off PostgreSQL)."""
    now = now or timezone.now()
    feedback_owed = Q(stage=Stage.REJECTED) & Q(_open_prompt(RecruiterPrompt.Reason.FEEDBACK_OWED))
    applications = Application.objects.filter(
        Q(stage__in=ACTIVE_STAGES) | feedback_owed, candidate__do_not_contact=False
    )
    clocks = _clock_rows(applications, "candidate__channel", now)
    replies = dict(
        ContactEvent.objects.filter(direction=ContactEvent.Direction.INBOUND, at__gte=now - REPLIES_WINDOW)
        .filter(channel__in=(ContactEvent.Channel.EMAIL, ContactEvent.Channel.SMS))
        .values_list("channel")
        .annotate(count=Count("pk"))
        .order_by()
    )
    prompts: dict[str, dict[str, int]] = defaultdict(dict)
    open_counts = (
        RecruiterPrompt.objects.filter(resolved_at__isnull=True)
        .values_list("application__candidate__channel", "reason")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for channel, reason, count in open_counts:
        prompts[channel][reason] = count
    rows = []
    for channel in sorted(set(clocks) | {"email"}):
        row = _figure_row(pk=None, name=channel, clock=clocks.get(channel), prompts=prompts[channel])
        rows.append({**row, "channel": channel})
    return {"channels": rows, "replies": {"email": replies.get("email", 0), "sms": replies.get("sms", 0)}}
