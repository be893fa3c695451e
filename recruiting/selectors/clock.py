"""What the clock is computed from (stage policies, firm holidays) and who is owed news when."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from recruiting import calendar, policy
from recruiting.models import Application, FirmHoliday, RecruiterPrompt, Stage, StagePolicy
from recruiting.models.applications import LIVE


def firm_holidays() -> frozenset[date]:
    return frozenset(FirmHoliday.objects.values_list("date", flat=True))


def stage_policy_rows() -> dict[str, StagePolicy]:
    """Every stage's StagePolicy row, by stage (a stage without one is missing): what both the clock
    (stage_policies) and the stage's email read, in one query."""
    return {row.stage: row for row in StagePolicy.objects.all()}


def stage_policies(rows: dict[str, StagePolicy] | None = None) -> dict[str, policy.SilencePolicy]:
    """The silence policy of every active stage: the StagePolicy rows (`rows` when the caller read them,
    stage_policy_rows) over the product's defaults."""
    policies = dict(policy.DEFAULT_POLICIES)
    found = StagePolicy.objects.filter(stage__in=policies) if rows is None else rows.values()
    for row in found:
        if row.stage not in policies:
            continue
        policies[row.stage] = policy.SilencePolicy(
            max_silent_business_days=row.max_silent_business_days,
            grace_business_days=row.grace_business_days,
            escalate_after_business_days=row.escalate_after_business_days,
            feedback_due_business_days=row.feedback_due_business_days,
        )
    return policies


def stage_default_hold_minutes(stage: str) -> int:
    """How long a stage's message to the candidate waits before it goes when its policy says nothing:
    24 hours for rejections (docs/rules.md#rejection-by-depth), else the firm's usual hold."""
    return settings.INLOOP_REJECTION_HOLD_MINUTES if stage == Stage.REJECTED else settings.INLOOP_HOLD_MINUTES


def stage_hold_minutes(stage: str, row: StagePolicy | None) -> int:
    """How long a stage's message waits: the policy row's own value, else the stage's default."""
    if row is not None and row.hold_minutes is not None:
        return row.hold_minutes
    return stage_default_hold_minutes(stage)


def applications_overdue(*, now: datetime | None = None) -> QuerySet[Application]:
    """Active, contactable applications whose next update is due and that have no open overdue prompt.

    One query on the next_update_due index: next_update_due is null for closed applications and for
    candidates who asked not to be contacted, so the range scan only meets applications that owe news.
    """
    now = now or timezone.now()
    open_prompt = RecruiterPrompt.objects.filter(
        application=OuterRef("pk"), reason=RecruiterPrompt.Reason.OVERDUE, resolved_at__isnull=True
    )
    return Application.objects.filter(next_update_due__lte=now).filter(~Exists(open_prompt))


def applications_due_between(*, start: datetime, end: datetime) -> QuerySet[Application]:
    return Application.objects.filter(next_update_due__gt=start, next_update_due__lte=end)


def applications_due_today(*, now: datetime | None = None, tz: ZoneInfo | None = None) -> QuerySet[Application]:
    """Applications whose next update falls later today (in the given or the firm's time zone)."""
    now = now or timezone.now()
    tz = tz or calendar.firm_time_zone()
    local = now.astimezone(tz)
    end_of_day = datetime.combine(local.date(), datetime.max.time(), tzinfo=tz)
    return applications_due_between(start=now, end=end_of_day)


def live_counts_by_owner(*, owner_ids: list[int], now: datetime | None = None) -> dict[int, tuple[int, int]]:
    """Per owner: (live applications, live ones whose next update is past), in one grouped query read from
    the live applications' (owner, next update due) index alone. Owners with none are absent."""
    now = now or timezone.now()
    rows = (
        Application.objects.filter(LIVE, owner_id__in=owner_ids)
        .order_by()
        .values_list("owner_id")
        # Of columns the index holds, never the key: the count reads the index alone.
        .annotate(live=Count("*"), overdue=Count("next_update_due", filter=Q(next_update_due__lte=now)))
    )
    return {owner_id: (live, overdue) for owner_id, live, overdue in rows}
