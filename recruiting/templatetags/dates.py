"""The date filters of every page, built into the template engine (no {% load %}): each date a person
reads is written the one way of recruiting.calendar.day_words and moment_words.

- `{{ value|day }}`: "Wednesday 9 December" (the year added when it is not this year's);
- `{{ value|day_month }}`: "9 December";
- `{{ value|moment }}`: "Wednesday 9 December, 14:05", in the active time zone;
- the argument "year" writes the year always (what a candidate or a hiring manager reads of their
  applications); `moment` also takes "zone" (the zone's abbreviation) and "seconds", comma-separated;
- `{% if value|past %}`: whether a moment (or a day, in the firm's calendar) is already behind us.
"""

from datetime import date, datetime

from django import template
from django.utils import timezone

from recruiting import calendar

register = template.Library()


def _options(arg: str) -> set[str]:
    return {option.strip() for option in str(arg or "").split(",") if option.strip()}


def _year(options: set[str]) -> bool | None:
    return True if "year" in options else None


@register.filter
def day(value, arg: str = "") -> str:
    if not isinstance(value, date):
        # As Django's own date filter: nothing to write is written as nothing (then |default says so).
        return ""
    return calendar.day_words(value, year=_year(_options(arg)))


@register.filter
def day_month(value, arg: str = "") -> str:
    if not isinstance(value, date):
        return ""
    return calendar.day_words(value, weekday=False, year=_year(_options(arg)))


@register.filter
def moment(value, arg: str = "") -> str:
    if not isinstance(value, datetime):
        return ""
    options = _options(arg)
    return calendar.moment_words(value, zone="zone" in options, seconds="seconds" in options, year=_year(options))


@register.filter
def past(value) -> bool:
    if isinstance(value, datetime):
        return value < timezone.now()
    if isinstance(value, date):
        return value < timezone.localdate(timezone=calendar.firm_time_zone())
    return False
