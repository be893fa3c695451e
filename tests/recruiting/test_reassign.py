"""Reassigning an application moves its open prompts to the new owner; settled ones keep their history."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from recruiting import selectors, services
from recruiting.models import RecruiterPrompt, Role
from recruiting.services import scan
from tests.factories import ApplicationFactory, PromptFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
Reason = RecruiterPrompt.Reason


def test_open_prompts_follow_the_application_to_its_new_owner():
    team = TeamFactory()
    before, after = UserFactory(profile__team=team), UserFactory(profile__team=team)
    application = ApplicationFactory(candidate__owner=before, next_update_due=timezone.now() - timedelta(hours=1))
    overdue = PromptFactory(application=application, reason=Reason.OVERDUE)
    asked = PromptFactory(application=application, reason=Reason.CANDIDATE_ASKED)
    settled = PromptFactory(
        application=application, reason=Reason.DELIVERY_FAILED, resolved_at=timezone.now(), resolution="Called"
    )

    services.application_reassign(application=application, owner=after, by=before)

    for prompt in (overdue, asked, settled):
        prompt.refresh_from_db()
    assert (overdue.recruiter, asked.recruiter) == (after, after)
    assert settled.recruiter == before
    assert set(selectors.prompts_open_for_user(user=after)) == {overdue, asked}
    assert list(selectors.prompts_open_for_user(user=before)) == []


def test_the_scan_opens_prompts_for_the_current_owner():
    team = TeamFactory()
    application = ApplicationFactory(
        candidate__owner=UserFactory(profile__team=team), next_update_due=timezone.now() - timedelta(hours=1)
    )
    new_owner = UserFactory(profile__team=team)
    services.application_reassign(application=application, owner=new_owner, by=application.owner)
    scan.prompts_scan_overdue()
    assert RecruiterPrompt.objects.get(application=application).recruiter == new_owner


def test_a_team_lead_can_hand_a_members_work_to_another_member_but_an_outsider_cannot():
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    team = TeamFactory(lead=lead)
    member, colleague = UserFactory(profile__team=team), UserFactory(profile__team=team)
    application = ApplicationFactory(candidate__owner=member)
    prompt = PromptFactory(application=application)
    with pytest.raises(PermissionDenied):
        services.application_reassign(application=application, owner=UserFactory(), by=UserFactory())
    prompt.refresh_from_db()
    assert prompt.recruiter == member
    services.application_reassign(application=application, owner=colleague, by=lead)
    prompt.refresh_from_db()
    assert prompt.recruiter == colleague
