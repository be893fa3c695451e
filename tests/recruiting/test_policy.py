"""The keep-in-the-loop clock (docs/rules.md#promised-date, docs/rules.md#silence-cap), table-driven, plus
properties."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recruiting import policy
from recruiting.policy import SilencePolicy

UTC = ZoneInfo("UTC")
NY = ZoneInfo("America/New_York")
# 2026-11-23 is a Monday; 2026-11-26 (Thursday) is a firm holiday in these tests.
MON = date(2026, 11, 23)
HOLIDAY = date(2026, 11, 26)


def at(day: date, hour: int = 10, tz: ZoneInfo = UTC) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


@pytest.mark.parametrize(
    ("start", "count", "holidays", "expected"),
    [
        (MON, 0, (), MON),
        (MON, 1, (), date(2026, 11, 24)),
        (MON, 4, (), date(2026, 11, 27)),
        (MON, 5, (), date(2026, 11, 30)),  # over the weekend
        (date(2026, 11, 28), 1, (), date(2026, 11, 30)),  # from a Saturday
        (date(2026, 11, 28), 0, (), date(2026, 11, 30)),  # zero days from a weekend: the next business day
        (MON, 3, (HOLIDAY,), date(2026, 11, 27)),  # the holiday is skipped
        (date(2026, 11, 25), 1, (HOLIDAY,), date(2026, 11, 27)),
    ],
)
def test_add_business_days(start, count, holidays, expected):
    assert policy.add_business_days(start, count, holidays) == expected


def test_add_business_days_refuses_negative_counts():
    with pytest.raises(ValueError, match="negative"):
        policy.add_business_days(MON, -1)


@pytest.mark.parametrize(
    ("stage", "informed", "promised", "holidays", "expected"),
    [
        # docs/rules.md#silence-cap: silence capped per stage, in business days, same time of day.
        ("new", at(MON), None, (), at(date(2026, 11, 26))),
        ("screening", at(MON), None, (), at(date(2026, 11, 30))),
        ("submitted", at(MON), None, (), at(date(2026, 12, 2))),
        ("interviewing", at(MON), None, (), at(date(2026, 11, 30))),
        ("offer", at(MON), None, (), at(date(2026, 11, 25))),
        # A firm holiday does not count as a business day.
        ("new", at(MON), None, (HOLIDAY,), at(date(2026, 11, 27))),
        # Informed on a Friday evening: business days start on Monday.
        ("offer", at(date(2026, 11, 27), 19), None, (), at(date(2026, 12, 1), 19)),
        # docs/rules.md#promised-date: a promised date wins, due the first business day after it (grace 1), at the day's
        # start.
        ("submitted", at(MON), date(2026, 11, 27), (), at(date(2026, 11, 30), 0)),
        ("offer", at(MON), date(2026, 11, 27), (), at(date(2026, 11, 30), 0)),  # later than the cap: still wins
        ("new", at(MON), date(2026, 11, 25), (HOLIDAY,), at(date(2026, 11, 27), 0)),
        # A promise already kept (the candidate was told after it fell due) no longer counts.
        ("offer", at(date(2026, 12, 1)), date(2026, 11, 27), (), at(date(2026, 12, 3))),
        # A promise beyond the ceiling does not move it: the safety net is due 3 hours before the
        # ceiling (Monday 7 December 07:00), the lead two business days before, the owner two before that.
        ("submitted", at(MON), date(2026, 12, 31), (), at(date(2026, 12, 1), 7)),
    ],
)
def test_next_update_due(stage, informed, promised, holidays, expected):
    due = policy.next_update_due(
        last_informed_at=informed,
        policy=policy.DEFAULT_POLICIES[stage],
        tz=UTC,
        promised_date=promised,
        holidays=holidays,
    )
    assert due == expected


def test_ceiling_applies_to_generous_custom_policies():
    due = policy.next_update_due(last_informed_at=at(MON), policy=SilencePolicy(30), tz=UTC)
    assert due == at(date(2026, 12, 1), 7)
    assert due < at(MON) + timedelta(days=14)


def test_promised_date_is_counted_in_the_firm_time_zone():
    informed = datetime(2026, 11, 23, 15, tzinfo=UTC)
    due = policy.next_update_due(
        last_informed_at=informed, policy=SilencePolicy(5), tz=NY, promised_date=date(2026, 11, 24)
    )
    assert due == datetime(2026, 11, 25, 0, tzinfo=NY)


def test_business_days_between():
    assert policy.business_days_between(MON, date(2026, 11, 30)) == 5
    assert policy.business_days_between(MON, date(2026, 11, 30), (HOLIDAY,)) == 4
    assert policy.business_days_between(date(2026, 11, 30), MON) == 0


def test_escalation_due_counts_business_days():
    due_at = at(date(2026, 11, 25))  # Wednesday
    assert policy.escalation_due(prompt_due_at=due_at, policy=SilencePolicy(5), tz=UTC) == at(date(2026, 11, 27))
    assert policy.escalation_due(prompt_due_at=due_at, policy=SilencePolicy(5), tz=UTC, holidays=(HOLIDAY,)) == at(
        date(2026, 11, 30)
    )


@pytest.mark.parametrize(
    ("earliest", "tz", "expected"),
    [
        (datetime(2026, 11, 23, 14, tzinfo=UTC), UTC, datetime(2026, 11, 23, 14, tzinfo=UTC)),  # inside hours
        (datetime(2026, 11, 23, 6, tzinfo=UTC), UTC, datetime(2026, 11, 23, 9, tzinfo=UTC)),  # too early
        (datetime(2026, 11, 23, 19, tzinfo=UTC), UTC, datetime(2026, 11, 24, 9, tzinfo=UTC)),  # too late
        (datetime(2026, 11, 27, 19, tzinfo=UTC), UTC, datetime(2026, 11, 30, 9, tzinfo=UTC)),  # Friday night
        (datetime(2026, 11, 23, 15, tzinfo=UTC), NY, datetime(2026, 11, 23, 10, tzinfo=NY)),  # 10:00 in New York
        (datetime(2026, 11, 23, 3, tzinfo=UTC), NY, datetime(2026, 11, 23, 9, tzinfo=NY)),  # 22:00 the day before
        # Across the spring DST change in New York (2026-03-08): still 09:00 local on Monday.
        (datetime(2026, 3, 7, 16, tzinfo=UTC), NY, datetime(2026, 3, 9, 9, tzinfo=NY)),
    ],
)
def test_next_send_time(earliest, tz, expected):
    result = policy.next_send_time(earliest, tz=tz, hours=(9, 18))
    assert result == expected
    assert policy.within_business_hours(result, tz=tz, hours=(9, 18))


@given(
    informed=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
    stage=st.sampled_from(sorted(policy.DEFAULT_POLICIES)),
    promise_offset=st.one_of(st.none(), st.integers(min_value=-30, max_value=60)),
    max_days=st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
    tz=st.sampled_from([UTC, NY, ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/Berlin")]),
)
def test_due_is_never_past_the_ceiling_nor_before_the_last_contact(informed, stage, promise_offset, max_days, tz):
    silence = policy.DEFAULT_POLICIES[stage] if max_days is None else SilencePolicy(max_days)
    promised = None if promise_offset is None else informed.date() + timedelta(days=promise_offset)
    due = policy.next_update_due(last_informed_at=informed, policy=silence, tz=tz, promised_date=promised)
    assert informed <= due <= informed + policy.SILENCE_CEILING


@given(
    earliest=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
    tz=st.sampled_from([UTC, NY, ZoneInfo("Australia/Sydney"), ZoneInfo("Europe/London")]),
)
def test_send_time_is_within_hours_and_not_before_earliest(earliest, tz):
    result = policy.next_send_time(earliest, tz=tz, hours=(9, 18))
    assert result >= earliest
    assert policy.within_business_hours(result, tz=tz, hours=(9, 18))
    assert result - earliest < timedelta(days=5)


# The schedule of a silent candidate: prompt, escalation, safety net, all before the 14-day ceiling.

HOLD = timedelta(minutes=10)
LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
NY_WINDOW = policy.SendWindow(tz=NY, hours=(9, 18))


def schedule(informed=None, silence=None, promised=None, holidays=(), hold=HOLD, window=NY_WINDOW, tz=UTC):
    return policy.silence_schedule(
        last_informed_at=informed or at(MON),
        policy=silence or policy.DEFAULT_POLICIES["new"],
        tz=tz,
        promised_date=promised,
        holidays=holidays,
        hold=hold,
        window=window,
    )


@pytest.mark.parametrize(
    ("silence", "promised", "holidays", "prompt", "escalate", "safety_net"),
    [
        # Short stages fit: each step N business days after the previous one, nothing pulled.
        (SilencePolicy(3), None, (), at(date(2026, 11, 26)), at(date(2026, 11, 30)), at(date(2026, 12, 2))),
        (SilencePolicy(2), None, (HOLIDAY,), at(date(2026, 11, 25)), at(date(2026, 11, 30)), at(date(2026, 12, 2))),
        # A 7-day stage: prompt and escalation keep their times; the safety net is pulled to 10 minutes
        # before Friday 09:00 in New York, the last opening of the candidate's hours before the ceiling
        # (Monday 7 December 10:00 UTC, 05:00 in New York).
        (
            SilencePolicy(7),
            None,
            (),
            at(date(2026, 12, 2)),
            at(date(2026, 12, 4)),
            datetime(2026, 12, 4, 13, 50, tzinfo=UTC),
        ),
        # A generous stage or a far promise: the owner and the lead are pulled before the safety net,
        # two business days apart.
        (
            SilencePolicy(30),
            None,
            (),
            datetime(2026, 11, 30, 13, 50, tzinfo=UTC),
            datetime(2026, 12, 2, 13, 50, tzinfo=UTC),
            datetime(2026, 12, 4, 13, 50, tzinfo=UTC),
        ),
        (
            SilencePolicy(3),
            date(2027, 3, 1),
            (),
            datetime(2026, 11, 30, 13, 50, tzinfo=UTC),
            datetime(2026, 12, 2, 13, 50, tzinfo=UTC),
            datetime(2026, 12, 4, 13, 50, tzinfo=UTC),
        ),
        # A stage with no grace at all: the three steps fall together only when the settings say so.
        (SilencePolicy(0, escalate_after_business_days=0), None, (), at(MON), at(MON), at(MON)),
    ],
)
def test_silence_schedule(silence, promised, holidays, prompt, escalate, safety_net):
    steps = schedule(silence=silence, promised=promised, holidays=holidays)
    assert (steps.prompt_at, steps.escalate_at, steps.safety_net_at) == (prompt, escalate, safety_net)
    assert steps.ceiling == at(MON) + timedelta(days=14)


def test_two_weeks_of_holidays_still_leave_a_safety_net_before_the_ceiling():
    fortnight = {MON + timedelta(days=offset) for offset in range(15)}
    steps = schedule(silence=SilencePolicy(5), holidays=fortnight)
    assert at(MON) <= steps.prompt_at <= steps.escalate_at <= steps.safety_net_at
    send = policy.safety_net_send_time(
        queued_at=steps.safety_net_at,
        hold=HOLD,
        last_informed_at=at(MON),
        window=policy.SendWindow(NY, (9, 18), fortnight),
    )
    # No business day in reach: the email goes in the candidate's hours on a holiday, before the ceiling.
    assert send == datetime(2026, 12, 4, 9, tzinfo=NY)
    assert send < steps.ceiling


def test_next_update_due_is_the_schedule_prompt():
    steps = schedule(silence=SilencePolicy(30))
    due = policy.next_update_due(
        last_informed_at=at(MON), policy=SilencePolicy(30), tz=UTC, hold=HOLD, window=NY_WINDOW
    )
    assert due == steps.prompt_at


def test_negative_hold_is_refused():
    with pytest.raises(ValueError, match="negative"):
        schedule(hold=timedelta(minutes=-1))


CEILING = at(MON) + timedelta(days=14)  # Monday 7 December 10:00 UTC
LATEST_SAFE = CEILING - policy.SAFETY_NET_MARGIN


@pytest.mark.parametrize(
    ("queued", "hold", "window", "expected"),
    [
        # In business hours after the hold, as any automated email.
        (datetime(2026, 12, 2, 15, tzinfo=UTC), HOLD, NY_WINDOW, datetime(2026, 12, 2, 15, 10, tzinfo=UTC)),
        # Friday evening in New York: the next business hours (Monday 09:00) are past the ceiling,
        # so it goes on Saturday morning, still in the candidate's hours.
        (datetime(2026, 12, 5, 0, tzinfo=UTC), HOLD, NY_WINDOW, datetime(2026, 12, 5, 9, tzinfo=NY)),
        # Sunday night: no hours left before the ceiling, so the latest safe moment, the hold kept.
        (datetime(2026, 12, 7, 2, tzinfo=UTC), HOLD, NY_WINDOW, LATEST_SAFE),
        # Queued so late that the hold does not fit: the ceiling comes first.
        (LATEST_SAFE - timedelta(minutes=5), HOLD, NY_WINDOW, LATEST_SAFE),
        (LATEST_SAFE + timedelta(minutes=5), HOLD, NY_WINDOW, LATEST_SAFE + timedelta(minutes=5)),
        # Without a window (a recipient with no zone), right after the hold.
        (datetime(2026, 12, 6, 2, tzinfo=UTC), HOLD, None, datetime(2026, 12, 6, 2, 10, tzinfo=UTC)),
    ],
)
def test_safety_net_send_time(queued, hold, window, expected):
    send = policy.safety_net_send_time(queued_at=queued, hold=hold, last_informed_at=at(MON), window=window)
    assert send == expected
    assert send < CEILING


def test_safety_net_send_time_across_the_london_clock_change():
    # Told on Saturday 17 October 2026 at 12:00 in London (BST); the clocks go back on 25 October.
    informed = datetime(2026, 10, 17, 12, tzinfo=LONDON)
    london = policy.SendWindow(tz=LONDON, hours=(9, 18))
    steps = policy.silence_schedule(
        last_informed_at=informed, policy=SilencePolicy(30), tz=LONDON, hold=HOLD, window=london
    )
    send = policy.safety_net_send_time(
        queued_at=steps.safety_net_at, hold=HOLD, last_informed_at=informed, window=london
    )
    # The ceiling is 336 hours later: Saturday 31 October 11:00 GMT. The last business opening before
    # it is Friday 30 October 09:00 GMT.
    assert steps.ceiling == datetime(2026, 10, 31, 11, tzinfo=LONDON)
    assert send == datetime(2026, 10, 30, 9, tzinfo=LONDON)


ZONES = [UTC, NY, LONDON, SYDNEY, ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Sao_Paulo")]


@st.composite
def silent_candidates(draw):
    informed = draw(
        st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.sampled_from(ZONES))
    )
    silence = SilencePolicy(
        max_silent_business_days=draw(st.integers(0, 60)),
        grace_business_days=draw(st.integers(0, 10)),
        escalate_after_business_days=draw(st.integers(0, 20)),
    )
    promised = draw(st.one_of(st.none(), st.integers(-30, 400).map(lambda days: informed.date() + timedelta(days))))
    first_holiday = informed.date() + timedelta(days=draw(st.integers(-5, 20)))
    holidays = frozenset(
        draw(st.sets(st.integers(-5, 25).map(lambda days: informed.date() + timedelta(days)), max_size=8))
        | {first_holiday + timedelta(days) for days in range(draw(st.sampled_from([0, 0, 3, 14, 21])))}
    )
    hours = draw(st.sampled_from([(9, 18), (8, 20), (10, 16), (7, 9)]))
    window = draw(
        st.one_of(st.none(), st.sampled_from(ZONES).map(lambda zone: policy.SendWindow(zone, hours, holidays)))
    )
    hold = draw(
        st.sampled_from([timedelta(0), HOLD, timedelta(hours=24), policy.PERSONAL_CONTACT_LEAD, timedelta(days=20)])
    )
    return {
        "last_informed_at": informed,
        "policy": silence,
        "tz": draw(st.sampled_from(ZONES)),
        "promised_date": promised,
        "holidays": holidays,
        "hold": hold,
        "window": window,
    }


def _wall_clock_ceiling(informed: datetime, zone: ZoneInfo) -> datetime:
    """Fourteen calendar days on the wall clock of `zone` (335 or 337 hours across a DST change)."""
    local = informed.astimezone(zone)
    return datetime.combine(local.date() + timedelta(days=14), local.time(), tzinfo=zone)


@given(case=silent_candidates(), scan_delay=st.sampled_from([timedelta(0), timedelta(minutes=4), timedelta(hours=1)]))
def test_one_step_always_lands_before_fourteen_days_and_the_steps_are_ordered(case, scan_delay):
    steps = policy.silence_schedule(**case)
    informed, hold, window = case["last_informed_at"], case["hold"], case["window"]
    ceilings = [informed + timedelta(days=14)] + [
        _wall_clock_ceiling(informed, zone) for zone in (case["tz"], window.tz if window else UTC)
    ]
    assert informed <= steps.prompt_at <= steps.escalate_at <= steps.safety_net_at < min(ceilings)
    # The owner's prompt is the clock's due time.
    assert steps.prompt_at == policy.next_update_due(**case)
    # The safety net, acted on by a scan a little late, still reaches the candidate before any reading
    # of "14 days", after its hold whenever the hold fits, and in their business hours whenever those
    # offer a moment in reach.
    queued = steps.safety_net_at + scan_delay
    send = policy.safety_net_send_time(queued_at=queued, hold=hold, last_informed_at=informed, window=window)
    latest_safe = steps.ceiling - policy.SAFETY_NET_MARGIN
    assert queued <= send <= max(queued, latest_safe)
    assert send < min(ceilings)
    if queued + hold <= latest_safe:
        assert send >= queued + hold
        if window is not None:
            first_in_hours = policy.next_send_time(
                queued + hold, tz=window.tz, hours=window.hours, holidays=window.holidays
            )
            if first_in_hours <= latest_safe:
                assert send == first_in_hours


@given(case=silent_candidates())
def test_safety_net_on_time_goes_out_in_hours_whenever_the_fortnight_has_any(case):
    steps = policy.silence_schedule(**case)
    informed, hold, window = case["last_informed_at"], case["hold"], case["window"]
    send = policy.safety_net_send_time(
        queued_at=steps.safety_net_at, hold=hold, last_informed_at=informed, window=window
    )
    latest_safe = steps.ceiling - policy.SAFETY_NET_MARGIN
    if window is None or informed + hold > latest_safe:
        return
    in_reach = policy.next_send_time(informed + hold, tz=window.tz, hours=window.hours, holidays=window.holidays)
    if in_reach <= latest_safe:
        assert policy.within_business_hours(send, tz=window.tz, hours=window.hours, holidays=window.holidays)


@given(case=silent_candidates())
def test_steps_that_fit_keep_their_natural_times(case):
    case = case | {"promised_date": None}
    steps = policy.silence_schedule(**case)
    silence, tz, holidays, hold = case["policy"], case["tz"], case["holidays"], case["hold"]
    local = steps.last_informed_at.astimezone(tz)
    stage_day = policy.add_business_days(local.date(), silence.max_silent_business_days, holidays)
    natural_prompt = datetime.combine(stage_day, local.timetz().replace(tzinfo=None), tzinfo=tz)
    natural_escalation = policy.escalation_due(prompt_due_at=natural_prompt, policy=silence, tz=tz, holidays=holidays)
    latest_send = policy.safety_net_latest_send(
        last_informed_at=steps.last_informed_at, hold=hold, window=case["window"]
    )
    assert steps.prompt_at <= natural_prompt
    if natural_escalation < latest_send - hold:
        assert (steps.prompt_at, steps.escalate_at) == (natural_prompt, natural_escalation)
    elif natural_prompt < latest_send - hold and silence.escalate_after_business_days == 0:
        assert steps.prompt_at == natural_prompt
