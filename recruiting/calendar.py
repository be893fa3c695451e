"""The firm's time zone, and the zone of anyone who has one, falling back to the firm's.

Business days and the send window are pure functions in policy.py; this module only says in which
zone they are counted.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings


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
