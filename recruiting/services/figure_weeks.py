"""The weekly trend of the keep-in-the-loop figures: this week's row for the firm, each team and each
recruiter, written again on every reading so that a past week keeps the last reading taken in it."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from recruiting import calendar
from recruiting.models import FigureWeek
from recruiting.selectors.figures import loop_figures


def week_start_of(moment: datetime) -> date:
    """The Monday of the moment's week, in the firm's time zone."""
    day = moment.astimezone(calendar.firm_time_zone()).date()
    return day - timedelta(days=day.weekday())


def _row(week: date, scope: str, subject_id: int, figures: dict, now: datetime) -> FigureWeek:
    return FigureWeek(
        week_start=week,
        scope=scope,
        subject_id=subject_id,
        name=figures["name"][:200],
        active=figures["active"],
        within_policy=figures["within_policy"],
        median_days_silent=figures["median_days_silent"],
        p90_days_silent=figures["p90_days_silent"],
        oldest_days_silent=figures["oldest_days_silent"],
        recorded_at=now,
    )


@transaction.atomic
def figure_weeks_record(*, now: datetime | None = None) -> int:
    """Record this week's figures (one upsert); returns the number of rows written."""
    now = now or timezone.now()
    week = week_start_of(now)
    figures = loop_figures(now=now)
    rows = [_row(week, FigureWeek.Scope.FIRM, 0, figures["firm"], now)]
    rows += [_row(week, FigureWeek.Scope.TEAM, team["id"], team, now) for team in figures["teams"]]
    rows += [_row(week, FigureWeek.Scope.RECRUITER, person["id"], person, now) for person in figures["recruiters"]]
    FigureWeek.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["week_start", "scope", "subject_id"],
        update_fields=[
            "name",
            "active",
            "within_policy",
            "median_days_silent",
            "p90_days_silent",
            "oldest_days_silent",
            "recorded_at",
        ],
    )
    return len(rows)
