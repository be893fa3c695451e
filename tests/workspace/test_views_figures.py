"""Figures with server-rendered SVG charts and the CSV export; the CSV import page."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from recruiting.models import Stage
from recruiting.services import application_clock_recompute
from tests.factories import ApplicationFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def application_for(owner, *, days):
    created = timezone.now() - timedelta(days=days)
    application = ApplicationFactory(
        candidate__owner=owner, owner=owner, stage=Stage.SCREENING, created_at=created, stage_entered_at=created
    )
    application_clock_recompute(application=application)
    return application


def test_figures_show_per_recruiter_and_team_with_svg_charts(client, django_assert_max_num_queries):
    team = TeamFactory(name="North desk")
    behind = UserFactory(first_name="Ada", last_name="Quist", profile__team=team)
    on_time = UserFactory(first_name="Bo", last_name="Reyes", profile__team=team)
    for _ in range(30):
        application_for(behind, days=12)
        application_for(on_time, days=0)
    client.force_login(on_time)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("figures"))

    figures = response.context["figures"]
    rows = {row["name"]: row for row in figures["recruiters"]}
    assert rows["Ada Quist"]["within_policy_percent"] == 0
    assert rows["Bo Reyes"]["within_policy_percent"] == 100
    assert [team["name"] for team in figures["teams"]] == ["North desk"]
    page = response.content.decode()
    assert page.count('<svg class="chart"') == 3
    assert "Share of candidates informed within policy, per recruiter" in page


def test_figures_csv_export(client, recruiter):
    tricky = UserFactory(first_name="=HYPERLINK(1)", last_name="", username="tricky")
    application_for(tricky, days=0)
    application_for(recruiter, days=12)
    client.force_login(recruiter)

    response = client.get(reverse("figures_csv"))

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["scope", "name", "active", "within_policy"]
    assert rows[1][:3] == ["firm", "Whole firm", "2"]
    recruiter_rows = {row[1]: row for row in rows if row[0] == "recruiter"}
    assert set(recruiter_rows) == {recruiter.get_full_name(), "'=HYPERLINK(1)"}
    assert recruiter_rows[recruiter.get_full_name()][4] == "0.0"


def test_figures_by_channel_and_replies_by_the_channel_they_came_by(client, recruiter):
    from recruiting.models import ContactEvent
    from recruiting.services.replies import reply_record

    by_text = application_for(recruiter, days=12)
    by_text.candidate.mobile, by_text.candidate.channel = "+447911123456", "sms"
    by_text.candidate.save()
    application_for(recruiter, days=0)
    reply_record(
        application=by_text,
        at=timezone.now(),
        summary="Reply by text message: hi",
        automatic=False,
        from_candidate=True,
        channel=ContactEvent.Channel.SMS,
    )
    client.force_login(recruiter)
    response = client.get(reverse("figures_by_channel"))
    rows = {row["channel"]: row for row in response.context["by_channel"]["channels"]}
    assert (rows["email"]["within_policy_percent"], rows["sms"]["within_policy_percent"]) == (100, 0)
    assert rows["sms"]["name"] == "Text messages" and rows["sms"]["open_prompts"] == 1
    assert response.context["by_channel"]["replies"] == {"email": 0, "sms": 1}
    assert "1 by text" in response.content.decode()
