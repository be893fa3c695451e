"""When is the next update owed to a candidate? Pure functions: no ORM, no clock, no settings.

Rules (docs/rules.md#promised-date, docs/rules.md#silence-cap):
- With a promised next-step date, the update is due `grace` business days after that date
  (start of that day in the firm's time zone), whatever the stage's silence cap says.
- Without one, the update is due `max_silent` business days after the candidate was last told
  anything (same time of day).
- Two calendar weeks without news never happens: from the last time the candidate was told, the
  owner's prompt, the team lead's escalation and a safety net are scheduled so that one of them lands
  before the ceiling, whatever the settings (`silence_schedule`, "The schedule of a silent candidate"
  in docs/architecture.md).
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Fourteen days of elapsed time (336 hours, counted in UTC): not configurable.
SILENCE_CEILING = timedelta(days=14)
# How long before the ceiling the safety net's email must be due to go out at the latest: time for the
# scan to notice, the worker to send, and a few retries of a refused connection.
SAFETY_NET_MARGIN = timedelta(hours=3)
# For a candidate who gets no automated email, the lead and the firm's admins are told this long before
# the last business-hours opening before the ceiling, so that a person can still call (pass it as `hold`).
PERSONAL_CONTACT_LEAD = timedelta(days=1)


@dataclass(frozen=True)
class SilencePolicy:
    max_silent_business_days: int
    grace_business_days: int = 1
    escalate_after_business_days: int = 2
    # After a rejection from this stage once the client saw the candidate: business days until the
    # recruiter's personal feedback is due (docs/rules.md#rejection-by-depth).
    feedback_due_business_days: int = 3


# Defaults of docs/rules.md#silence-cap, used for stages without a StagePolicy row.
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


def _stage_or_promise_due(
    *,
    last_informed_at: datetime,
    policy: SilencePolicy,
    tz: ZoneInfo,
    promised_date: date | None,
    holidays: Collection[date],
) -> datetime:
    """docs/rules.md#promised-date and docs/rules.md#silence-cap before the ceiling: the stage's silence limit, or the
    first day after a pending promise."""
    informed_local = last_informed_at.astimezone(tz)
    cap_day = add_business_days(informed_local.date(), policy.max_silent_business_days, holidays)
    due = datetime.combine(cap_day, informed_local.timetz().replace(tzinfo=None), tzinfo=tz)
    if promised_date is not None:
        promise_day = add_business_days(promised_date, policy.grace_business_days, holidays)
        promise_due = datetime.combine(promise_day, time.min, tzinfo=tz)
        # A promise made before the last update was given is spent; only a pending one counts.
        if promise_due > last_informed_at:
            due = promise_due
    return due.astimezone(UTC)


def next_update_due(
    *,
    last_informed_at: datetime,
    policy: SilencePolicy,
    tz: ZoneInfo,
    promised_date: date | None = None,
    holidays: Collection[date] = (),
    hold: timedelta = timedelta(0),
    window: "SendWindow | None" = None,
) -> datetime:
    """The moment by which the candidate must next be told something: the owner's prompt of the schedule.

    `last_informed_at` is when they were last told anything; for a candidate never told anything it
    is when the application was created. `hold` and `window` are those of the safety net
    (`silence_schedule`); pass the same ones wherever the schedule of one application is computed.
    """
    return silence_schedule(
        last_informed_at=last_informed_at,
        policy=policy,
        tz=tz,
        promised_date=promised_date,
        holidays=holidays,
        hold=hold,
        window=window,
    ).prompt_at


def escalation_due(
    *, prompt_due_at: datetime, policy: SilencePolicy, tz: ZoneInfo, holidays: Collection[date] = ()
) -> datetime:
    """`escalate_after` business days after `prompt_due_at`, same time of day in the firm's zone.

    The schedule's natural gap between its steps; `silence_schedule` pulls the steps it gives earlier
    when the ceiling needs it, so a caller holding a schedule uses its `escalate_at`.
    """
    local = prompt_due_at.astimezone(tz)
    day = add_business_days(local.date(), policy.escalate_after_business_days, holidays)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)


def feedback_due(
    *, rejected_at: datetime, policy: SilencePolicy, tz: ZoneInfo, holidays: Collection[date] = ()
) -> datetime:
    """When the personal feedback after a late rejection is due: the policy's feedback_due_business_days
    after the rejection, same time of day in the firm's zone."""
    local = rejected_at.astimezone(tz)
    day = add_business_days(local.date(), policy.feedback_due_business_days, holidays)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz).astimezone(UTC)


def days_silent(*, last_informed_at: datetime, now: datetime) -> int:
    """Whole calendar days since the candidate was last told anything."""
    return max(0, (now - last_informed_at).days)


def within_business_hours(
    moment: datetime, *, tz: ZoneInfo, hours: tuple[int, int], holidays: Collection[date] = ()
) -> bool:
    local = moment.astimezone(tz)
    return is_business_day(local.date(), holidays) and hours[0] <= local.hour < hours[1]


def _next_open_moment(
    earliest: datetime, *, tz: ZoneInfo, hours: tuple[int, int], open_day: Callable[[date], bool]
) -> datetime:
    local = earliest.astimezone(tz)
    start_hour, end_hour = hours
    day = local.date()
    if open_day(day):
        if local.hour < start_hour:
            return datetime.combine(day, time(start_hour), tzinfo=tz)
        if local.hour < end_hour:
            return earliest
    day += timedelta(days=1)
    while not open_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(start_hour), tzinfo=tz)


def next_send_time(
    earliest: datetime, *, tz: ZoneInfo, hours: tuple[int, int], holidays: Collection[date] = ()
) -> datetime:
    """The first moment at or after `earliest` inside the recipient's business hours.

    Computed on local wall-clock dates, then converted, so that a DST change never shifts the window.
    """
    return _next_open_moment(earliest, tz=tz, hours=hours, open_day=lambda day: is_business_day(day, holidays))


# The schedule of a silent candidate (docs/rules.md#silence-cap; docs/architecture.md explains it in words).


@dataclass(frozen=True)
class SendWindow:
    """When an email may reach a candidate: their time zone, business hours, and the firm's holidays."""

    tz: ZoneInfo
    hours: tuple[int, int]
    holidays: Collection[date] = ()

    def is_business_day(self, day: date) -> bool:
        return is_business_day(day, self.holidays)


@dataclass(frozen=True)
class SilenceSchedule:
    """The steps owed to an active application since the candidate was last told something (UTC).

    prompt_at <= escalate_at <= safety_net_at < ceiling, and the safety net's email, held and sent in
    business hours (`safety_net_send_time`), goes out at least SAFETY_NET_MARGIN before the ceiling.
    """

    last_informed_at: datetime
    prompt_at: datetime
    escalate_at: datetime
    safety_net_at: datetime

    @property
    def ceiling(self) -> datetime:
        return silence_ceiling(self.last_informed_at)


def silence_ceiling(last_informed_at: datetime) -> datetime:
    """The moment the candidate would have been silent 14 days: elapsed time, so DST never stretches it."""
    return last_informed_at.astimezone(UTC) + SILENCE_CEILING


def _any_day(_day: date) -> bool:
    return True


def _latest_opening(
    not_before: datetime, not_after: datetime, *, window: SendWindow, open_day: Callable[[date], bool]
) -> datetime | None:
    """The latest start of business hours, on a day `open_day` accepts, within [not_before, not_after]."""
    day = not_after.astimezone(window.tz).date()
    while True:
        opening = datetime.combine(day, time(window.hours[0]), tzinfo=window.tz)
        if opening < not_before:
            return None
        if opening <= not_after and open_day(day):
            return opening.astimezone(UTC)
        day -= timedelta(days=1)


def _latest_slot(
    not_before: datetime, not_after: datetime, *, window: SendWindow, open_day: Callable[[date], bool]
) -> datetime | None:
    """The latest opening of the hours in the range, else its first moment in hours; None if it has none."""
    first = _next_open_moment(not_before, tz=window.tz, hours=window.hours, open_day=open_day)
    if first > not_after:
        return None
    return _latest_opening(not_before, not_after, window=window, open_day=open_day) or first.astimezone(UTC)


def safety_net_latest_send(*, last_informed_at: datetime, hold: timedelta, window: SendWindow | None) -> datetime:
    """The latest moment the safety net's email is planned to go out (the safety net acts `hold` before).

    At the latest SAFETY_NET_MARGIN before the ceiling; with a window, the latest opening of the
    candidate's business hours in reach (on a business day, else on any day), and only when the hours
    offer nothing in reach (the hold is longer than what is left), the latest safe moment itself.
    """
    latest = silence_ceiling(last_informed_at) - SAFETY_NET_MARGIN
    not_before = last_informed_at.astimezone(UTC) + hold
    if window is not None and not_before <= latest:
        for open_day in (window.is_business_day, _any_day):
            slot = _latest_slot(not_before, latest, window=window, open_day=open_day)
            if slot is not None:
                return slot
    return latest


def safety_net_send_time(
    *, queued_at: datetime, hold: timedelta, last_informed_at: datetime, window: SendWindow | None
) -> datetime:
    """When the safety net's email, queued at `queued_at` and held `hold`, goes out: always before the ceiling.

    In order of preference, the first moment after the hold that is at least SAFETY_NET_MARGIN before
    the ceiling and
    1. inside the candidate's business hours (`next_send_time`), as any automated email;
    2. inside those hours on a weekend or holiday: better a Saturday morning than a night;
    3. otherwise the latest safe moment (ceiling minus the margin): the hold is kept and the owner and
       lead keep every minute left to reach the candidate themselves, which cancels the email.
    A safety net queued so late that even the hold does not fit goes at the latest safe moment, or at
    once when that has passed: the ceiling comes before the hold.
    """
    latest = silence_ceiling(last_informed_at) - SAFETY_NET_MARGIN
    queued_at = queued_at.astimezone(UTC)
    earliest = queued_at + hold
    if earliest > latest:
        return max(queued_at, latest)
    if window is None:
        return earliest
    for open_day in (window.is_business_day, _any_day):
        moment = _next_open_moment(earliest, tz=window.tz, hours=window.hours, open_day=open_day)
        if moment <= latest:
            return moment.astimezone(UTC)
    return latest


def _business_days_back(
    moment: datetime, count: int, *, tz: ZoneInfo, holidays: Collection[date], not_before: datetime
) -> datetime:
    """`count` business days before `moment`, same time of day in `tz`, never before `not_before`."""
    if count == 0:
        return moment
    local = moment.astimezone(tz)
    floor_day = not_before.astimezone(tz).date()
    day = local.date()
    remaining = count
    while remaining and day >= floor_day:
        day -= timedelta(days=1)
        if is_business_day(day, holidays):
            remaining -= 1
    if remaining:
        return not_before
    back = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz).astimezone(UTC)
    return min(moment, max(back, not_before))


def silence_schedule(
    *,
    last_informed_at: datetime,
    policy: SilencePolicy,
    tz: ZoneInfo,
    promised_date: date | None = None,
    holidays: Collection[date] = (),
    hold: timedelta = timedelta(0),
    window: SendWindow | None = None,
) -> SilenceSchedule:
    """The steps of an active application from the last time its candidate was told something.

    Naturally (times in the firm's zone `tz`, business days skip weekends and `holidays`):
    - prompt_at: the stage's silence limit, or the first day after a pending promised date
      (docs/rules.md#promised-date, docs/rules.md#silence-cap);
    - escalate_at: `escalate_after_business_days` after the prompt;
    - safety_net_at: as many business days after the escalation.
    The ceiling (14 days after the last contact) is fixed: the safety net is pulled earlier so that its
    email, held `hold` and sent in the candidate's `window` (`safety_net_send_time`), goes out at least
    SAFETY_NET_MARGIN before it; an escalation or prompt that would not come before the next step is
    pulled to `escalate_after_business_days` before it, never before the last contact; a step that fits
    keeps its natural time. A promised date beyond the ceiling moves nothing past it. For a candidate
    who gets no automated email (paused), `hold` is the time a person needs to call
    (PERSONAL_CONTACT_LEAD).
    """
    if hold < timedelta(0):
        raise ValueError("hold must not be negative")
    told = last_informed_at.astimezone(UTC)
    prompt_at = _stage_or_promise_due(
        last_informed_at=told, policy=policy, tz=tz, promised_date=promised_date, holidays=holidays
    )
    latest_safety_net = max(told, safety_net_latest_send(last_informed_at=told, hold=hold, window=window) - hold)
    escalate_at = safety_net_at = latest_safety_net
    if prompt_at < latest_safety_net:
        escalate_at = escalation_due(prompt_due_at=prompt_at, policy=policy, tz=tz, holidays=holidays).astimezone(UTC)
        if escalate_at < latest_safety_net:
            safety_net_at = escalation_due(prompt_due_at=escalate_at, policy=policy, tz=tz, holidays=holidays)
            safety_net_at = min(safety_net_at.astimezone(UTC), latest_safety_net)
    # A step is pulled only when it does not fit before the next one, and then keeps the usual gap.
    gap = policy.escalate_after_business_days
    if escalate_at > safety_net_at or escalate_at == latest_safety_net:
        escalate_at = _business_days_back(safety_net_at, gap, tz=tz, holidays=holidays, not_before=told)
    if prompt_at > escalate_at or prompt_at >= latest_safety_net:
        prompt_at = _business_days_back(escalate_at, gap, tz=tz, holidays=holidays, not_before=told)
    return SilenceSchedule(
        last_informed_at=told, prompt_at=prompt_at, escalate_at=escalate_at, safety_net_at=safety_net_at
    )
