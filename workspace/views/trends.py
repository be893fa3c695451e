"""Figures over time: per week, the share of candidates informed within policy and the median days
silent, for the firm, each team and each recruiter; as server-drawn SVG charts and as CSV."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from recruiting.selectors.figure_weeks import figure_series, figure_weeks
from recruiting.services.figure_weeks import week_start_of

BAR_WIDTH, GAP, CHART_HEIGHT = 16, 4, 60


def _bars(weeks: list, value_of, top: float) -> list[dict]:
    bars = []
    for index, row in enumerate(weeks):
        value = value_of(row) if row is not None else None
        height = 0 if value is None or top <= 0 else max(1, round(CHART_HEIGHT * min(value, top) / top))
        bars.append({"x": index * (BAR_WIDTH + GAP), "y": CHART_HEIGHT - height, "height": height, "value": value})
    return bars


def _charts(entries: list[dict]) -> list[dict]:
    silent_top = max(
        (row.median_days_silent or 0 for entry in entries for row in entry["weeks"] if row is not None), default=0
    )
    return [
        {
            "name": entry["name"],
            "rate": _bars(entry["weeks"], lambda row: row.within_policy_percent, 100),
            "silent": _bars(entry["weeks"], lambda row: row.median_days_silent, max(silent_top, 1)),
        }
        for entry in entries
    ]


@login_required
@require_GET
def figure_trends(request: HttpRequest) -> HttpResponse:
    series = figure_series(latest_week=week_start_of(timezone.now()))
    context = {
        "week_starts": series["week_starts"],
        "sections": [
            ("The firm", _charts(series["firm"])),
            ("Teams", _charts(series["team"])),
            ("Recruiters", _charts(series["recruiter"])),
        ],
        "chart_width": len(series["week_starts"]) * (BAR_WIDTH + GAP),
        "chart_height": CHART_HEIGHT,
        "bar_width": BAR_WIDTH,
    }
    return render(request, "workspace/figure_trends.html", context)


@login_required
@require_GET
def figure_trends_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="keep-in-the-loop-by-week.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "week_start",
            "scope",
            "name",
            "active",
            "within_policy",
            "within_policy_percent",
            "median_days_silent",
            "p90_days_silent",
            "oldest_days_silent",
        ]
    )
    latest = week_start_of(timezone.now())
    for row in figure_weeks(since=latest.replace(year=latest.year - 1)):
        name = "'" + row.name if row.name[:1] in ("=", "+", "-", "@", "\t", "\r") else row.name
        writer.writerow(
            [
                row.week_start.isoformat(),
                row.scope,
                name,
                row.active,
                row.within_policy,
                row.within_policy_percent,
                row.median_days_silent,
                row.p90_days_silent,
                row.oldest_days_silent,
            ]
        )
    return response
