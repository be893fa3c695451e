"""The admin's merge of two candidates, and its pickers that search by name instead of asking for ids."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate
from notifications.models import InboundMessage
from recruiting.models import Application, ClientAnswer, ClientChase, HiringManager, RecruiterPrompt, SafetyNet
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


def test_merging_keeps_the_folded_applications_replies_client_answers_chases_and_safety_nets(client, admin_user):
    """Both records applied to the same job: the newer record's application is folded into the older's.
    Everything it held moves: its stored replies, the client's answers and chases, its safety nets, its
    prompts; the same event recorded on both stays once. Through the admin's merge action."""
    older = CandidateFactory(email="ama@mail.example", first_name="Ama", last_name="Owusu")
    newer = CandidateFactory(email="ama.owusu@work.example", first_name="Ama", last_name="Owusu-Mensah")
    job = JobFactory()
    manager = HiringManager.objects.create(client=job.client, name="Noor Haddad", email="noor@client.example")
    kept = ApplicationFactory(candidate=older, job=job)
    folded = ApplicationFactory(candidate=newer, job=job)
    now = timezone.now()
    earlier = now - timedelta(days=3)
    reply = InboundMessage.objects.create(
        application=folded, source="webhook", digest="e" * 64, status="accepted", text="Still keen", sender=newer.email
    )
    answer = ClientAnswer.objects.create(
        application=folded, hiring_manager=manager, kind="more_time", stage="submitted", asked_at=earlier, due_at=now
    )
    chase = ClientChase.objects.create(application=folded, hiring_manager=manager, due_at=now)
    net = SafetyNet.objects.create(application=folded, silence_started_at=earlier, kind="email")
    twice = SafetyNet.objects.create(application=folded, silence_started_at=now, kind="email")
    SafetyNet.objects.create(application=kept, silence_started_at=now, kind="email")
    prompt = RecruiterPrompt.objects.create(application=folded, recruiter=folded.owner, reason="overdue")
    client.force_login(admin_user)

    page = _merge(client, [older.pk, newer.pk]).content.decode()

    assert f"Candidate #{newer.pk} was merged into #{older.pk}" in page
    assert not Application.objects.filter(pk=folded.pk).exists()
    for row in (reply, answer, chase, net, prompt):
        row.refresh_from_db()
        assert row.application_id == kept.pk, type(row).__name__
    assert reply.text == "Still keen"
    assert prompt.resolved_at is not None  # the kept application has its own clock
    assert not SafetyNet.objects.filter(pk=twice.pk).exists()
    assert SafetyNet.objects.filter(application=kept).count() == 2
    older.refresh_from_db()
    assert older.merged_details == [
        {"first_name": "Ama", "last_name": "Owusu-Mensah", "email": "ama.owusu@work.example", "phone": ""}
    ]
