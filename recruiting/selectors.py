"""Reads of the pipeline that are more than a one-liner."""

from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from . import policy
from .models import Application, ContactEvent, FirmHoliday, StageChange, StagePolicy


def firm_time_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def firm_holidays() -> frozenset[date]:
    return frozenset(FirmHoliday.objects.values_list("date", flat=True))


def stage_policies() -> dict[str, policy.SilencePolicy]:
    """The silence policy of every active stage: the StagePolicy rows over the product's defaults."""
    policies = dict(policy.DEFAULT_POLICIES)
    for row in StagePolicy.objects.filter(stage__in=policies):
        policies[row.stage] = policy.SilencePolicy(
            max_silent_business_days=row.max_silent_business_days,
            grace_business_days=row.grace_business_days,
            escalate_after_business_days=row.escalate_after_business_days,
        )
    return policies


def applications_overdue(*, now: datetime | None = None) -> QuerySet[Application]:
    """Active, contactable applications whose next update is due and that have no open overdue prompt.

    One query on the next_update_due index: next_update_due is null for closed applications and for
    candidates who asked not to be contacted, so the range scan only meets applications that owe news.
    """
    from notifications.models import RecruiterPrompt

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
    tz = tz or firm_time_zone()
    local = now.astimezone(tz)
    end_of_day = datetime.combine(local.date(), datetime.max.time(), tzinfo=tz)
    return applications_due_between(start=now, end=end_of_day)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "stage" or "contact"
    item: StageChange | ContactEvent


def application_timeline(*, candidate_id: int, limit: int = 200, sent_messages: bool = True) -> list[TimelineEntry]:
    """A candidate's stage changes and contacts across all applications, newest first.

    With sent_messages=False the contacts recorded for sent outbox messages are left out (a caller that
    shows the messages themselves would otherwise show each one twice).
    """
    changes = (
        StageChange.objects.filter(application__candidate_id=candidate_id)
        .select_related("by", "application__job__client")
        .order_by("-at", "-id")[:limit]
    )
    contacts = ContactEvent.objects.filter(application__candidate_id=candidate_id)
    if sent_messages:
        contacts = contacts.select_related("message")
    else:
        contacts = contacts.filter(message__isnull=True)
    contacts = contacts.select_related("by", "application__job__client").order_by("-at", "-id")[:limit]
    entries = chain(
        (TimelineEntry(at=c.at, kind="stage", item=c) for c in changes),
        (TimelineEntry(at=c.at, kind="contact", item=c) for c in contacts),
    )
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:limit]
