"""Every date a person reads is written one way (recruiting.calendar.day_words and moment_words, and the
template filters made of them): "Wednesday 9 December", "9 December", "Wednesday 9 December, 14:05"."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone

from recruiting import calendar

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def sunday_6_december_2026():
    with time_machine.travel(dt.datetime(2026, 12, 6, 22, 30, tzinfo=dt.UTC), tick=False), timezone.override(LONDON):
        yield


def test_a_day_of_this_year_has_no_year_and_no_leading_zero():
    assert calendar.day_words(dt.date(2026, 12, 9)) == "Wednesday 9 December"
    assert calendar.day_words(dt.date(2026, 12, 9), weekday=False) == "9 December"
    assert calendar.day_words(dt.date(2026, 11, 3), weekday=False) == "3 November"


def test_a_day_of_another_year_has_its_year_and_a_candidates_date_always_has_it():
    assert calendar.day_words(dt.date(2027, 1, 4)) == "Monday 4 January 2027"
    assert calendar.day_words(dt.date(2025, 12, 31), weekday=False) == "31 December 2025"
    assert calendar.day_words(dt.date(2026, 12, 9), year=True) == "Wednesday 9 December 2026"
    assert calendar.day_words(None) == ""


def test_a_moment_is_read_in_the_zone_asked_for_or_the_active_one():
    late = dt.datetime(2026, 12, 6, 22, 30, tzinfo=dt.UTC)
    assert calendar.day_words(late) == "Sunday 6 December"
    assert calendar.day_words(late, tz=TOKYO) == "Monday 7 December"
    assert calendar.moment_words(late) == "Sunday 6 December, 22:30"
    assert calendar.moment_words(late, tz=TOKYO, zone=True) == "Monday 7 December, 07:30 JST"
    assert calendar.moment_words(late + dt.timedelta(seconds=5), seconds=True) == "Sunday 6 December, 22:30:05"
    # At 16:00 on New Year's Eve in London, Tokyo is in the new year already: "this year" is the reader's.
    new_year = dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)
    with time_machine.travel(new_year, tick=False):
        assert calendar.day_words(new_year, tz=TOKYO) == "Friday 1 January"
        assert calendar.day_words(dt.date(2026, 12, 31), tz=TOKYO) == "Thursday 31 December 2026"
        assert calendar.day_words(dt.date(2026, 12, 31), tz=LONDON) == "Thursday 31 December"


def test_the_filters_need_no_load_and_follow_the_timezone_tag():
    template = Template(
        '{{ day|day }} · {{ day|day_month }} · {{ day|day:"year" }} · {{ at|moment }} · {{ at|moment:"zone" }}'
        ' · {% load tz %}{% timezone "Asia/Tokyo" %}{{ at|moment:"zone,seconds" }}{% endtimezone %}'
        " · {{ nothing|day|default:'never' }} · {{ text|day }}{{ day|moment }}"
    )
    text = template.render(
        Context(
            {
                "day": dt.date(2026, 12, 9),
                "at": dt.datetime(2026, 12, 9, 13, 5, tzinfo=dt.UTC),
                "nothing": None,
                "text": "not a date",
            }
        )
    )
    assert text == (
        "Wednesday 9 December · 9 December · Wednesday 9 December 2026 · Wednesday 9 December, 13:05 · "
        "Wednesday 9 December, 13:05 GMT · Wednesday 9 December, 22:05:00 JST · never · "
    )


def _files(folder: str, pattern: str) -> list[Path]:
    return [path for path in (ROOT / folder).rglob(pattern) if "migrations" not in path.parts]


def test_no_page_writes_a_date_its_own_way():
    # `|date:"c"` is for machines (a <time datetime>); a person's date goes through |day, |day_month, |moment.
    own_way = [
        f"{path.relative_to(ROOT)}: {match}"
        for path in _files("templates", "*.html")
        for match in re.findall(r"\|date:[\"']([^\"']*)[\"']", path.read_text())
        if match != "c"
    ]
    assert own_way == []


def test_no_code_writes_a_date_with_month_or_weekday_names_its_own_way():
    # Month and short weekday names (%b, %B, %a) are the wording of a date for a person: calendar.py's alone.
    pattern = re.compile(r"%-?[abB]\b|%-?[abB](?=[^A-Za-z])")
    own_way = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("recruiting", "notifications", "candidates")
        for path in _files(folder, "*.py")
        if path.name != "calendar.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line) and ("strftime" in line or re.search(r"\{[^}]*:%", line))
    ]
    assert own_way == []
