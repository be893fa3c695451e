"""Checks on values people type into the models, shared by every form and admin page that edits them."""

from datetime import date, timedelta
from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from recruiting import calendar


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


def coming_date_bounds(*, today: date | None = None) -> tuple[date, date]:
    """The first and last day a person may give for something still to come: today (in the firm's zone
    unless the caller counts in the reader's) to INLOOP_DATE_HORIZON_DAYS ahead."""
    today = today or timezone.localdate(timezone=calendar.firm_time_zone())
    return today, today + timedelta(days=settings.INLOOP_DATE_HORIZON_DAYS)


def validate_coming_date(value: date, *, today: date | None = None, what: str = "date") -> None:
    """The one check on every date a person types for something still to come: a promised next step,
    the date a client promised its answer by, a manager's "need more time", a snooze. Forms run it beside
    the field; the services run it again, so that no page, admin or command writes a date outside it."""
    earliest, latest = coming_date_bounds(today=today)
    if value < earliest:
        raise ValidationError(f"The {what} cannot be in the past.", code="date_past")
    if value > latest:
        raise ValidationError(
            f"The {what} is too far ahead: choose one by {calendar.day_words(latest, weekday=False, year=True)} at the"
            " latest.",
            code="date_too_far",
        )


class ComingDateField(forms.DateField):
    """A date field for something still to come, checked by validate_coming_date; `what` names the date
    in its messages, as the service that takes it does."""

    widget = forms.DateInput(attrs={"type": "date"})

    def __init__(self, *args, what: str = "date", **kwargs):
        super().__init__(*args, **kwargs)
        self.what = what

    def validate(self, value):
        super().validate(value)
        if value is not None:
            validate_coming_date(value, what=self.what)
