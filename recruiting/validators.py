"""Checks on values people type into the models, shared by every form and admin page that edits them."""

from functools import cache
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError


@cache
def time_zone_names() -> frozenset[str]:
    # Reading the zone database walks the file system: once per process is enough.
    return frozenset(available_timezones())


def validate_time_zone(value: str) -> None:
    """Refuse anything that is not a zone of the time zone database ("Europe/London", "America/New_York")."""
    if value not in time_zone_names():
        raise ValidationError(
            "“%(value)s” is not a time zone we know. Use a name from the time zone database, such as "
            "Europe/London, America/New_York or UTC.",
            code="invalid_time_zone",
            params={"value": value},
        )
