"""The keep-in-the-loop clock (product.md rules 2 and 3), table-driven, plus properties."""

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
        # Rule 3: silence capped per stage, in business days, same time of day.
        ("new", at(MON), None, (), at(date(2026, 11, 26))),
        ("screening", at(MON), None, (), at(date(2026, 11, 30))),
        ("submitted", at(MON), None, (), at(date(2026, 12, 2))),
        ("interviewing", at(MON), None, (), at(date(2026, 11, 30))),
        ("offer", at(MON), None, (), at(date(2026, 11, 25))),
        # A firm holiday does not count as a business day.
        ("new", at(MON), None, (HOLIDAY,), at(date(2026, 11, 27))),
        # Informed on a Friday evening: business days start on Monday.
        ("offer", at(date(2026, 11, 27), 19), None, (), at(date(2026, 12, 1), 19)),
        # Rule 2: a promised date wins, due the first business day after it (grace 1), at the day's start.
        ("submitted", at(MON), date(2026, 11, 27), (), at(date(2026, 11, 30), 0)),
        ("offer", at(MON), date(2026, 11, 27), (), at(date(2026, 11, 30), 0)),  # later than the cap: still wins
        ("new", at(MON), date(2026, 11, 25), (HOLIDAY,), at(date(2026, 11, 27), 0)),
        # A promise already kept (the candidate was told after it fell due) no longer counts.
        ("offer", at(date(2026, 12, 1)), date(2026, 11, 27), (), at(date(2026, 12, 3))),
        # The two-week ceiling beats both a far promise and a generous stage.
        ("submitted", at(MON), date(2026, 12, 31), (), at(MON) + timedelta(days=14)),
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
    assert due == at(MON) + timedelta(days=14)


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
