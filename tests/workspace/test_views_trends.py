"""Figures over time: a reading per week for the firm, teams and recruiters, drawn as SVG bars and as CSV."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from recruiting.models import FigureWeek, Stage
from recruiting.services.figure_weeks import figure_weeks_record, week_start_of
from tests.factories import ApplicationFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def team_member():
    return UserFactory(profile__team=TeamFactory(name="North"), first_name="Ana", last_name="Ruiz")


def test_a_week_keeps_its_last_reading_and_a_new_week_gets_its_own(team_member):
    with time_machine.travel(WEDNESDAY, tick=False):
        ApplicationFactory(owner=team_member, stage=Stage.SCREENING, next_update_due=timezone.now() + timedelta(days=1))
        figure_weeks_record()
        ApplicationFactory(owner=team_member, stage=Stage.SCREENING, next_update_due=timezone.now() - timedelta(days=1))
        figure_weeks_record()
    with time_machine.travel(WEDNESDAY + timedelta(days=7), tick=False):
        figure_weeks_record()

    first = FigureWeek.objects.get(scope="recruiter", subject_id=team_member.pk, week_start=week_start_of(WEDNESDAY))
    assert (first.active, first.within_policy, first.within_policy_percent) == (2, 1, 50.0)
    assert FigureWeek.objects.filter(scope="firm").count() == 2
    assert FigureWeek.objects.filter(scope="team", name="North").count() == 2


def test_the_page_draws_a_bar_per_week_and_the_csv_lists_each_reading(
    client, recruiter, team_member, django_assert_max_num_queries
):
    with time_machine.travel(WEDNESDAY, tick=False):
        ApplicationFactory(owner=team_member, stage=Stage.SCREENING, next_update_due=timezone.now() + timedelta(days=1))
        figure_weeks_record()
    client.force_login(recruiter)

    with time_machine.travel(WEDNESDAY + timedelta(days=1), tick=False):
        with django_assert_max_num_queries(4):
            page = client.get(reverse("figure_trends")).content.decode()
        csv_lines = client.get(reverse("figure_trends_csv")).content.decode().splitlines()

    assert "Ana Ruiz: informed within policy by week:" in page
    assert "100% this week" in page
    assert page.count("no reading") >= 11 * 2  # eleven earlier weeks without readings, in both charts
    assert csv_lines[0].startswith("week_start,scope,name")
    assert any(line.startswith("2026-11-23,recruiter,Ana Ruiz,1,1,100.0") for line in csv_lines)


def test_a_name_that_looks_like_a_formula_is_quoted_in_the_csv(client, recruiter):
    FigureWeek.objects.create(week_start=week_start_of(timezone.now()), scope="team", subject_id=1, name="=cmd()")
    client.force_login(recruiter)

    body = client.get(reverse("figure_trends_csv")).content.decode()

    assert ",'=cmd()," in body
