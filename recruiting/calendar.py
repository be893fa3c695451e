"""The firm's time zone, and the zone of anyone who has one, falling back to the firm's; and how a day
or a moment is written for a person to read.

Business days and the send window are pure functions in policy.py; this module only says in which
zone they are counted.

Every date a person reads (workspace pages, candidate pages, emails) is written by day_words or
moment_words, in one style: "Wednesday 9 December", "9 December" without the weekday, "Wednesday 9
December, 14:05" for a moment. The year is added when it is not this year's, and always where a
candidate is told a date of their application (their emails, kept and read later, and their status
page). Templates use the filters of recruiting.templatetags.dates, which call these.
"""

from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import dateformat, timezone


def firm_time_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def zone(name: str | None) -> ZoneInfo:
    """The zone called `name`, or the firm's when it is empty or unknown to the zone database (a value
    written before it was checked, or since removed from the database): the firm's dates beat none."""
    if not name:
        return firm_time_zone()
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return firm_time_zone()


def day_words(
    value: date | datetime | None, *, weekday: bool = True, year: bool | None = None, tz: tzinfo | None = None
) -> str:
    """A day as a person reads it: "Wednesday 9 December" ("9 December" without `weekday`).

    The year is added when it is not this year's, or always with `year=True` (what is kept and read
    later, an email). A moment is read as the day it is in `tz` (the active time zone by default).
    """
    if not value:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value, tz)
    with_year = year if year is not None else value.year != timezone.localdate(timezone=tz).year
    return dateformat.format(value, ("l " if weekday else "") + "j F" + (" Y" if with_year else ""))


def moment_words(
    value: datetime | None,
    *,
    tz: tzinfo | None = None,
    zone: bool = False,
    seconds: bool = False,
    year: bool | None = None,
) -> str:
    """A moment as a person reads it: "Wednesday 9 December, 14:05", in `tz` (the active time zone by
    default), with the zone's abbreviation ("14:05 GMT") when `zone`, to the second when `seconds`."""
    if not value:
        return ""
    local = timezone.localtime(value, tz)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{day_words(local, year=year, tz=tz)}, {clock}" + (f" {local.tzname()}" if zone else "")
