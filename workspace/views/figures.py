"""The keep-in-the-loop figures: the page and its CSV download."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from candidates.models import Candidate
from recruiting import selectors
from recruiting.selectors.client_figures import CLIENT_FIGURE_COLUMNS, client_figures

FIGURE_COLUMNS = (
    "name",
    "active",
    "within_policy",
    "within_policy_percent",
    "overdue",
    "median_days_silent",
    "p90_days_silent",
    "oldest_days_silent",
    "open_prompts",
)


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workspace/figures.html",
        {"figures": selectors.loop_figures(), "client_figures": client_figures()},
    )


@login_required
@require_GET
def figures_by_channel(request: HttpRequest) -> HttpResponse:
    """The figures by the channel candidates hear from us, each named as the candidate's page names it."""
    figures = selectors.channel_figures()
    for row in figures["channels"]:
        row["name"] = Candidate.Channel(row["channel"]).label
    return render(request, "workspace/figures_channels.html", {"by_channel": figures})


def _csv_cell(value) -> object:
    """Text that a spreadsheet would read as a formula is quoted (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@login_required
@require_GET
def figures_csv(request: HttpRequest) -> HttpResponse:
    data = selectors.loop_figures()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="keep-in-the-loop-figures.csv"'
    writer = csv.writer(response)
    writer.writerow(["scope", *FIGURE_COLUMNS])
    rows = [("firm", data["firm"])] + [("team", row) for row in data["teams"]]
    rows += [("recruiter", row) for row in data["recruiters"]]
    for scope, row in rows:
        writer.writerow([scope, *(_csv_cell(row[column]) for column in FIGURE_COLUMNS)])
    # The clients' side follows as a second table, under its own header row.
    clients = client_figures()
    writer.writerow(["scope", *CLIENT_FIGURE_COLUMNS])
    for scope, key in (("client", "clients"), ("hiring_manager", "managers")):
        for row in clients[key]:
            writer.writerow([scope, *(_csv_cell(row[column]) for column in CLIENT_FIGURE_COLUMNS)])
    return response
