"""Giving an application to someone checks who receives it, not only who gives it: a recruiter gives to
their teammates, a lead within their team, an admin to anyone who recruits; never to an admin or to a
deactivated account. Attacked as the recruiter and the lead would: the bulk "give to" of the pipeline
list, through the real request."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from recruiting import services
from recruiting.models import Application, RecruiterPrompt, Role
from tests.factories import ApplicationFactory, PromptFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    one, two = TeamFactory(), TeamFactory()
    lead = UserFactory(profile__team=one, profile__role=Role.TEAM_LEAD)
    one.lead = lead
    one.save()
    return {
        "lead": lead,
        "recruiter": UserFactory(profile__team=one),
        "teammate": UserFactory(profile__team=one, first_name="Ines", last_name="Moreau"),
        "other_team": UserFactory(profile__team=two, first_name="Tariq", last_name="Osei"),
        "admin": UserFactory(profile__role=Role.ADMIN, first_name="Ada", last_name="Boss"),
    }


def _give(client, user, application, owner):
    client.force_login(user)
    response = client.post(
        reverse("applications_bulk"),
        {"action": "reassign", "owner": f"{owner.get_full_name()} #{owner.pk}", "applications": [application.pk]},
    )
    assert response.status_code == 200
    return response.context["results"][0]


REFUSALS = {"admin": "active recruiter or team lead", "other_team": "a recruiter of your team"}


@pytest.mark.parametrize("giver", ["recruiter", "lead"])
@pytest.mark.parametrize("receiver", list(REFUSALS))
def test_work_cannot_be_given_outside_the_givers_reach(client, teams, giver, receiver):
    application = ApplicationFactory(owner=teams["recruiter"], candidate__owner=teams["recruiter"])
    prompt = PromptFactory(application=application)

    result = _give(client, teams[giver], application, teams[receiver])

    assert not result.ok and REFUSALS[receiver] in result.text
    assert Application.objects.get(pk=application.pk).owner == teams["recruiter"]
    assert RecruiterPrompt.objects.get(pk=prompt.pk).recruiter == teams["recruiter"]


@pytest.mark.parametrize("giver", ["recruiter", "lead"])
def test_a_teammate_may_be_given_the_work(client, teams, giver):
    application = ApplicationFactory(owner=teams["recruiter"], candidate__owner=teams["recruiter"])

    result = _give(client, teams[giver], application, teams["teammate"])

    assert result.ok, result.text
    assert Application.objects.get(pk=application.pk).owner == teams["teammate"]


def test_an_admin_gives_to_anyone_who_recruits_but_not_to_an_admin(client, teams):
    application = ApplicationFactory(owner=teams["recruiter"], candidate__owner=teams["recruiter"])
    another_admin = UserFactory(is_superuser=True, is_staff=True, first_name="Root", last_name="User")

    refused = _give(client, teams["admin"], application, another_admin)
    given = _give(client, teams["admin"], application, teams["other_team"])

    assert not refused.ok and "active recruiter or team lead" in refused.text
    assert given.ok
    assert Application.objects.get(pk=application.pk).owner == teams["other_team"]


def test_a_deactivated_account_cannot_be_given_work(teams):
    application = ApplicationFactory(owner=teams["recruiter"], candidate__owner=teams["recruiter"])
    gone = teams["teammate"]
    gone.is_active = False
    gone.save()
    with pytest.raises(PermissionDenied, match="active recruiter"):
        services.application_reassign(application=application, owner=gone, by=teams["lead"])
    assert Application.objects.get(pk=application.pk).owner == teams["recruiter"]


def test_an_admin_is_not_offered_to_take_work_over_and_is_refused_if_they_try(client, teams):
    application = ApplicationFactory(owner=teams["recruiter"], candidate__owner=teams["recruiter"])
    prompt = PromptFactory(application=application, escalated_to=teams["admin"], escalated_at=application.created_at)
    client.force_login(teams["admin"])

    page = client.get(reverse("team")).content.decode()
    taken = client.post(reverse("prompt_take_over", args=[prompt.pk]), follow=True)

    assert reverse("prompt_reassign", args=[prompt.pk]) in page  # the escalation is listed, to give away
    assert reverse("prompt_take_over", args=[prompt.pk]) not in page
    # Refused with the reason on the team page, not taken.
    assert "Work can only be given to an active recruiter or team lead." in taken.content.decode()
    assert Application.objects.get(pk=application.pk).owner == teams["recruiter"]
