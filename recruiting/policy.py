"""When is the next update owed to a candidate? Pure functions: no ORM, no clock, no settings.

Rules (product.md):
- With a promised next-step date, the update is due `grace` business days after that date
  (start of that day in the firm's time zone), whatever the stage's silence cap says.
- Without one, the update is due `max_silent` business days after the candidate was last told
  anything (same time of day).
- Two calendar weeks without news is never acceptable: the due time is capped at last informed + 14 days.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SILENCE_CEILING = timedelta(days=14)


@dataclass(frozen=True)
class SilencePolicy:
    max_silent_business_days: int
    grace_business_days: int = 1
    escalate_after_business_days: int = 2


# Defaults of product.md rule 3, used for stages without a StagePolicy row.
DEFAULT_POLICIES: dict[str, SilencePolicy] = {
    "new": SilencePolicy(3),
    "screening": SilencePolicy(5),
    "submitted": SilencePolicy(7),
    "interviewing": SilencePolicy(5),
    "offer": SilencePolicy(2),
}


def is_business_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_business_days(day: date, count: int, holidays: Collection[date] = ()) -> date:
    """The date `count` business days after `day` (a weekend or holiday start counts from the next one)."""
    if count < 0:
        raise ValueError("count must not be negative")
    current = day
    if count == 0:
        while not is_business_day(current, holidays):
            current += timedelta(days=1)
        return current
    remaining = count
    while remaining:
        current += timedelta(days=1)
        if is_business_day(current, holidays):
            remaining -= 1
    return current


def business_days_between(start: date, end: date, holidays: Collection[date] = ()) -> int:
    """Business days after `start` up to and including `end` (0 when end <= start)."""
    days = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_business_day(current, holidays):
            days += 1
    return days


def next_update_due(
    *,
    last_informed_at: datetime,
    policy: SilencePolicy,
    tz: ZoneInfo,
    promised_date: date | None = None,
    holidays: Collection[date] = (),
) -> datetime:
    """The moment by which the candidate must next be told something (an aware datetime).

    `last_informed_at` is when they were last told anything; for a candidate never told anything it
    is when the application was created.
    """
    informed_local = last_informed_at.astimezone(tz)
    cap_day = add_business_days(informed_local.date(), policy.max_silent_business_days, holidays)
    due = datetime.combine(cap_day, informed_local.timetz().replace(tzinfo=None), tzinfo=tz)
    if promised_date is not None:
        promise_day = add_business_days(promised_date, policy.grace_business_days, holidays)
        promise_due = datetime.combine(promise_day, time.min, tzinfo=tz)
        # A promise made before the last update was given is spent; only a pending one counts.
        if promise_due > last_informed_at:
            due = promise_due
    return min(due, last_informed_at + SILENCE_CEILING)


def escalation_due(
    *, prompt_due_at: datetime, policy: SilencePolicy, tz: ZoneInfo, holidays: Collection[date] = ()
) -> datetime:
    """When an open overdue prompt goes to the team lead: `escalate_after` business days later."""
    local = prompt_due_at.astimezone(tz)
    day = add_business_days(local.date(), policy.escalate_after_business_days, holidays)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)


def days_silent(*, last_informed_at: datetime, now: datetime) -> int:
    """Whole calendar days since the candidate was last told anything."""
    return max(0, (now - last_informed_at).days)


def within_business_hours(
    moment: datetime, *, tz: ZoneInfo, hours: tuple[int, int], holidays: Collection[date] = ()
) -> bool:
    local = moment.astimezone(tz)
    return is_business_day(local.date(), holidays) and hours[0] <= local.hour < hours[1]


def next_send_time(
    earliest: datetime, *, tz: ZoneInfo, hours: tuple[int, int], holidays: Collection[date] = ()
) -> datetime:
    """The first moment at or after `earliest` inside the recipient's business hours.

    Computed on local wall-clock dates, then converted, so that a DST change never shifts the window.
    """
    local = earliest.astimezone(tz)
    start_hour, end_hour = hours
    day = local.date()
    if is_business_day(day, holidays):
        if local.hour < start_hour:
            return datetime.combine(day, time(start_hour), tzinfo=tz)
        if local.hour < end_hour:
            return earliest
    day = add_business_days(day, 1, holidays)
    return datetime.combine(day, time(start_hour), tzinfo=tz)
