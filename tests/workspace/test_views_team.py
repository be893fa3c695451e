"""The team page: recruiters linked to their lists, escalations with days silent and actions in place."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundMessage
from recruiting.models import Application, RecruiterPrompt, Role, Stage
from tests.factories import ApplicationFactory, PromptFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TEAM_BUDGET = 14


@pytest.fixture
def team_setup(client):
    team = TeamFactory()
    lead = UserFactory(profile__team=team, profile__role=Role.TEAM_LEAD, first_name="Tess", last_name="Lead")
    team.lead = lead
    team.save()
    member = UserFactory(profile__team=team, first_name="Mo", last_name="Member")
    client.force_login(lead)
    return lead, member


def _escalation(member, lead, days_silent=9):
    application = ApplicationFactory(
        owner=member,
        candidate__owner=member,
        stage=Stage.SCREENING,
        last_informed_at=timezone.now() - timedelta(days=days_silent, hours=1),
        next_update_due=timezone.now() - timedelta(days=2),
    )
    return PromptFactory(
        application=application, recruiter=member, escalated_at=timezone.now(), escalated_to=lead, reason="overdue"
    )


def test_the_team_page_links_each_recruiter_and_shows_days_silent(client, team_setup, django_assert_max_num_queries):
    lead, member = team_setup
    for _ in range(3):
        _escalation(member, lead)

    with django_assert_max_num_queries(TEAM_BUDGET):
        response = client.get(reverse("team"))

    page = response.content.decode()
    assert f'href="{reverse("application_list")}?owner={member.pk}"' in page
    assert "Mo Member" in page
    assert page.count("<td>9</td>") == 3  # days silent of each escalation
    assert page.count("Take over") == 3


def test_take_over_makes_the_application_and_its_prompt_the_leads(client, team_setup):
    lead, member = team_setup
    prompt = _escalation(member, lead)

    response = client.post(reverse("prompt_take_over", args=[prompt.pk]), HTTP_HX_REQUEST="true")

    assert "is yours now" in response.content.decode()
    assert Application.objects.get(pk=prompt.application_id).owner == lead
    assert RecruiterPrompt.objects.get(pk=prompt.pk).recruiter == lead


def test_give_to_a_colleague_by_name(client, team_setup):
    lead, member = team_setup
    colleague = UserFactory(profile__team=member.profile.team, first_name="Cy", last_name="Other")
    prompt = _escalation(member, lead)
    url = reverse("prompt_reassign", args=[prompt.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"owner": colleague.pk})

    assert response.status_code == 302
    assert Application.objects.get(pk=prompt.application_id).owner == colleague


def test_the_check_in_from_the_team_page_queues_a_message(client, team_setup, django_capture_on_commit_callbacks):
    lead, member = team_setup
    prompt = _escalation(member, lead)

    with django_capture_on_commit_callbacks():
        client.post(reverse("application_check_in", args=[prompt.application_id]), HTTP_HX_REQUEST="true")

    assert OutboundMessage.objects.filter(application_id=prompt.application_id, template_code="check_in").exists()


def test_a_recruiter_cannot_take_over_a_colleagues_candidate(client, team_setup):
    lead, member = team_setup
    prompt = _escalation(member, lead)
    client.force_login(UserFactory(profile__team=member.profile.team))

    assert client.post(reverse("prompt_take_over", args=[prompt.pk])).status_code == 403
    assert Application.objects.get(pk=prompt.application_id).owner == member
