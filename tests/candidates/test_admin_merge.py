"""The admin's merge of two candidates, and its pickers that search by name instead of asking for ids."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from candidates.models import Candidate
from recruiting.models import Application
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:candidates_candidate_changelist"


def _merge(client, pks):
    return client.post(reverse(CHANGELIST), {"action": "merge_two", "_selected_action": pks, "reason": ""}, follow=True)


def test_merging_two_keeps_the_older_record_with_both_histories(client, admin_user):
    older, newer = CandidateFactory(), CandidateFactory()
    application = ApplicationFactory(candidate=newer)
    client.force_login(admin_user)

    page = _merge(client, [older.pk, newer.pk]).content.decode()

    assert f"Candidate #{newer.pk} was merged into #{older.pk}" in page
    assert not Candidate.objects.filter(pk=newer.pk).exists()
    assert Application.objects.get(pk=application.pk).candidate_id == older.pk


@pytest.mark.parametrize("count", [1, 3])
def test_merge_needs_exactly_two(client, admin_user, count):
    candidates = [CandidateFactory() for _ in range(count)]
    client.force_login(admin_user)

    page = _merge(client, [c.pk for c in candidates]).content.decode()

    assert "Select exactly two candidates to merge." in page
    assert Candidate.objects.count() == count


def test_a_staff_recruiter_is_refused_the_merge(client):
    staff = UserFactory(is_staff=True, is_superuser=False)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_candidate", "change_candidate"]))
    one, two = CandidateFactory(), CandidateFactory()
    client.force_login(staff)

    page = _merge(client, [one.pk, two.pk]).content.decode()

    assert "Only an admin can merge candidates." in page
    assert Candidate.objects.count() == 2


def test_the_application_pickers_search_candidates_and_jobs_by_name(client, admin_user):
    CandidateFactory(first_name="Marguerite", last_name="Yourcenar")
    JobFactory(title="Harbour pilot")
    client.force_login(admin_user)
    url = reverse("admin:autocomplete")
    common = {"app_label": "recruiting", "model_name": "application"}

    candidates = client.get(url, {**common, "field_name": "candidate", "term": "yourc"}).json()["results"]
    jobs = client.get(url, {**common, "field_name": "job", "term": "harbour"}).json()["results"]

    assert [row["text"] for row in candidates] == ["Marguerite Yourcenar"]
    assert [row["text"].split(" (")[0] for row in jobs] == ["Harbour pilot"]
    add_page = client.get(reverse("admin:recruiting_application_add")).content.decode()
    assert "admin-autocomplete" in add_page
