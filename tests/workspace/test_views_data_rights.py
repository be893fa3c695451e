"""A candidate's data-access and erasure requests from the workspace: admins only (security)."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from candidates.models import Candidate
from candidates.services.data_rights import candidate_export
from recruiting.models import AuditLog
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return UserFactory(profile__role="admin")


@pytest.fixture
def application(recruiter):
    return ApplicationFactory(
        candidate__owner=recruiter,
        candidate__first_name="Ingrid",
        candidate__email="ingrid.halvorsen@mail.example",
        owner=recruiter,
    )


def test_an_admin_downloads_everything_held_as_json_and_it_is_audited(client, admin, application):
    client.force_login(admin)

    response = client.get(reverse("candidate_export", args=[application.candidate_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="candidate-{application.candidate_id}.json"'
    data = json.loads(response.content)
    assert data["details"]["email"] == "ingrid.halvorsen@mail.example"
    assert len(data["applications"]) == 1
    assert AuditLog.objects.filter(action="candidate.export", actor=admin).count() == 1


def test_an_admin_erases_after_typing_the_confirmation(client, admin, application):
    client.force_login(admin)
    url = reverse("candidate_erase", args=[application.candidate_id])

    unconfirmed = client.post(url, {"confirm": "yes"}, follow=True)
    assert "Nothing erased: type ERASE" in unconfirmed.content.decode()
    assert Candidate.objects.get(pk=application.candidate_id).erased_at is None

    confirmed = client.post(url, {"confirm": "ERASE"})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("candidate_list")
    candidate = Candidate.objects.get(pk=application.candidate_id)
    assert candidate.erased_at is not None
    assert "Ingrid" not in (candidate.first_name, candidate.last_name)
    assert client.get(reverse("candidate_detail", args=[candidate.pk])).status_code == 404


@pytest.mark.parametrize("role", ["recruiter", "team_lead"])
def test_the_owner_and_their_lead_may_neither_export_nor_erase(client, recruiter, application, role):
    user = recruiter if role == "recruiter" else UserFactory(profile__role="team_lead")
    client.force_login(user)

    exported = client.get(reverse("candidate_export", args=[application.candidate_id]))
    erased = client.post(reverse("candidate_erase", args=[application.candidate_id]), {"confirm": "ERASE"})

    assert (exported.status_code, erased.status_code) == (403, 403)
    assert Candidate.objects.get(pk=application.candidate_id).erased_at is None
    assert not AuditLog.objects.filter(action__in=["candidate.export", "candidate.erase"]).exists()


def test_the_service_refuses_an_export_by_anyone_but_an_admin(recruiter, application):
    with pytest.raises(PermissionDenied, match="Only an admin"):
        candidate_export(candidate=application.candidate, by=recruiter)


def test_only_an_admin_sees_the_personal_data_section(client, admin, recruiter, application):
    url = reverse("candidate_detail", args=[application.candidate_id])
    client.force_login(recruiter)
    assert "Download everything we hold" not in client.get(url).content.decode()
    client.force_login(admin)
    page = client.get(url).content.decode()
    assert "Download everything we hold" in page
    assert reverse("candidate_erase", args=[application.candidate_id]) in page
