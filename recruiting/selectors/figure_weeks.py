"""Reads of the weekly trend (FigureWeek): the last weeks per firm, team and recruiter."""

from collections import defaultdict
from datetime import date, timedelta

from recruiting.models import FigureWeek

WEEKS_SHOWN = 12


def figure_weeks(*, since: date, scope: str | None = None) -> list[FigureWeek]:
    rows = FigureWeek.objects.filter(week_start__gte=since)
    if scope is not None:
        rows = rows.filter(scope=scope)
    return list(rows.order_by("scope", "name", "subject_id", "week_start"))


def figure_series(*, latest_week: date, weeks: int = WEEKS_SHOWN) -> dict[str, list[dict]]:
    """Per scope, one series per subject: its name and one entry per week (None where nothing was recorded)."""
    first = latest_week - timedelta(weeks=weeks - 1)
    week_starts = [first + timedelta(weeks=n) for n in range(weeks)]
    grouped: dict[tuple[str, int], dict] = {}
    by_week: dict[tuple[str, int], dict[date, FigureWeek]] = defaultdict(dict)
    for row in figure_weeks(since=first):
        key = (row.scope, row.subject_id)
        grouped.setdefault(key, {"name": row.name, "scope": row.scope})
        grouped[key]["name"] = row.name  # the latest name
        by_week[key][row.week_start] = row
    series: dict[str, list[dict]] = {scope: [] for scope in FigureWeek.Scope.values}
    for key, head in grouped.items():
        series[key[0]].append({**head, "weeks": [by_week[key].get(week) for week in week_starts]})
    for rows in series.values():
        rows.sort(key=lambda entry: entry["name"].lower())
    return {"week_starts": week_starts, **series}
