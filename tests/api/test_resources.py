"""The five records through the API: create, read, list, update, create-or-update by external id,
cursor pagination and updated_since, and the audit rows naming the key."""

from datetime import timedelta

import pytest

from candidates.models import Candidate
from recruiting.models import Application, AuditLog, Client, HiringManager, Job, Role
from tests.api.conftest import assert_problem
from tests.factories import ApplicationFactory, CandidateFactory, ClientFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(db):
    return UserFactory(profile__role=Role.TEAM_LEAD)


def test_a_candidate_is_created_read_updated_and_its_audit_rows_name_the_key(api_for, recruiter):
    api = api_for(recruiter, name="Bullhorn sync")
    response = api.post("/candidates", {"first_name": "Zoë", "last_name": "Ng", "email": "zoe@mail.example"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["owner"] == recruiter.username and created["external_id"] is None
    assert api.get(f"/candidates/{created['id']}").json() == created

    response = api.patch(f"/candidates/{created['id']}", {"phone": "+44 20 7946 0000", "external_id": "BH-7"})
    assert response.status_code == 200, response.content
    candidate = Candidate.objects.get(pk=created["id"])
    assert (candidate.phone, candidate.external_id, candidate.first_name) == ("+44 20 7946 0000", "BH-7", "Zoë")
    actions = AuditLog.objects.filter(object_type="candidates.candidate", object_id=candidate.pk)
    assert {row.action for row in actions} == {"candidate.create", "candidate.update", "candidate.external_id"}
    assert all(row.details["api_key"] == f"{api.api_key.prefix}/Bullhorn sync" for row in actions)
    assert all(row.actor_id == recruiter.pk for row in actions)


def test_a_duplicate_address_is_a_422_naming_the_field(api_for, recruiter):
    CandidateFactory(email="taken@mail.example")
    body = assert_problem(
        api_for(recruiter).post("/candidates", {"first_name": "A", "email": "TAKEN@mail.example"}), 422
    )
    assert [error["field"] for error in body["errors"]] == ["email"]


def test_create_or_update_by_external_id(api_for, recruiter):
    api = api_for(recruiter)
    first = api.put("/candidates/by-external-id/ATS-1", {"first_name": "Ines", "email": "ines@mail.example"})
    assert first.status_code == 201, first.content
    again = api.put(
        "/candidates/by-external-id/ATS-1", {"first_name": "Inès", "last_name": "Silva", "email": "ines@mail.example"}
    )
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert Candidate.objects.filter(external_id="ATS-1").get().first_name == "Inès"
    assert api.get("/candidates/by-external-id/ATS-1").json()["last_name"] == "Silva"
    assert_problem(api.get("/candidates/by-external-id/ATS-2"), 404)


def test_an_external_id_is_unique_per_kind_not_across_kinds(api_for, recruiter, lead):
    api = api_for(recruiter)
    api.put("/candidates/by-external-id/X", {"first_name": "A", "email": "a@mail.example"})
    body = assert_problem(
        api.post("/candidates", {"first_name": "B", "email": "b@mail.example", "external_id": "X"}), 422
    )
    assert body["errors"][0]["field"] == "external_id"
    # Nothing of the refused create was kept (one transaction).
    assert not Candidate.objects.filter(email="b@mail.example").exists()
    assert api.post("/clients", {"name": "Acme", "external_id": "X"}).status_code == 201


def test_clients_hiring_managers_and_jobs_by_external_ids(api_for, recruiter, lead):
    api = api_for(recruiter)
    client = api.put("/clients/by-external-id/C-1", {"name": "Northwind", "industry": "logistics"})
    assert client.status_code == 201, client.content
    manager = api.put(
        "/hiring-managers/by-external-id/HM-1",
        {"client_external_id": "C-1", "name": "Dana Roe", "email": "dana@northwind.example"},
    )
    assert manager.status_code == 201, manager.content
    assert manager.json()["client_id"] == client.json()["id"]
    job = api.put("/jobs/by-external-id/J-1", {"client_external_id": "C-1", "title": "Data engineer"})
    assert job.status_code == 201, job.content
    assert job.json()["owner"] == recruiter.username and job.json()["status"] == "open"

    assert (
        api.put("/jobs/by-external-id/J-1", {"client_external_id": "C-1", "title": "Data engineer II"}).json()["title"]
        == "Data engineer II"
    )
    assert api.patch(f"/jobs/{job.json()['id']}", {"status": "on_hold"}).json()["status"] == "on_hold"
    assert api.patch(f"/hiring-managers/{manager.json()['id']}", {"do_not_email": True}).json()["do_not_email"]
    # A client's settings are for team leads and admins (as in the workspace); its external id is anyone's.
    assert_problem(api.patch(f"/clients/{client.json()['id']}", {"name": "Northwind plc"}), 403)
    assert api_for(lead).patch(f"/clients/{client.json()['id']}", {"name": "Northwind plc"}).json()["name"] == (
        "Northwind plc"
    )
    assert Job.objects.get(external_id="J-1").title == "Data engineer II"
    assert HiringManager.objects.get(external_id="HM-1").do_not_email
    assert Client.objects.get(external_id="C-1").name == "Northwind plc"


def test_a_reference_by_a_missing_or_double_id_is_a_422(api_for, recruiter):
    api = api_for(recruiter)
    assert_problem(api.post("/jobs", {"title": "T", "client_external_id": "nope"}), 422)
    client = ClientFactory()
    assert_problem(api.post("/jobs", {"title": "T", "client_id": client.pk, "client_external_id": "x"}), 422)
    assert_problem(api.post("/jobs", {"title": "T"}), 422)


def test_an_application_is_created_by_external_ids_and_reassigned(api_for, lead):
    member = UserFactory(profile__team=None)
    api = api_for(lead)
    candidate = CandidateFactory(owner=lead, external_id="CAND-1")
    job = JobFactory(owner=lead, external_id="JOB-1")
    response = api.put(
        "/applications/by-external-id/APP-1",
        {"candidate_external_id": "CAND-1", "job_external_id": "JOB-1", "notify": False},
    )
    assert response.status_code == 201, response.content
    application = Application.objects.get(external_id="APP-1")
    assert (application.candidate_id, application.job_id, application.stage) == (candidate.pk, job.pk, "new")
    again = api.put("/applications/by-external-id/APP-1", {"candidate_id": candidate.pk, "job_id": job.pk})
    assert again.status_code == 200 and again.json()["id"] == application.pk
    assert_problem(
        api.put(
            "/applications/by-external-id/APP-1", {"candidate_id": CandidateFactory(owner=lead).pk, "job_id": job.pk}
        ),
        422,
    )
    # Reassigned only to someone the key's user may act for (a lead's own team): not a stranger.
    assert_problem(api.patch(f"/applications/{application.pk}", {"owner": member.username}), 403)


def test_lists_page_by_cursor_and_filter_by_updated_since(api_for, recruiter):
    api = api_for(recruiter)
    candidates = [CandidateFactory() for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = api.get("/candidates", limit=2, **({"cursor": cursor} if cursor else {})).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(candidate.pk for candidate in candidates) and len(seen) == len(set(seen))

    # A later change (the database stamps it with its clock) brings the record back in an updated_since read.
    marker = Candidate.objects.get(pk=candidates[0].pk).updated_at
    Candidate.objects.filter(pk=candidates[2].pk).update(phone="+1 555 0100")
    changed_at = Candidate.objects.get(pk=candidates[2].pk).updated_at
    assert changed_at > marker
    since = api.get("/candidates", updated_since=(changed_at - timedelta(microseconds=1)).isoformat()).json()
    assert [item["id"] for item in since["items"]] == [candidates[2].pk]

    assert_problem(api.get("/candidates", cursor="not-a-cursor"), 422)
    assert_problem(api.get("/candidates", limit=0), 422)
    assert_problem(api.get("/candidates", updated_since="2026-01-01T00:00:00"), 422)


def test_the_pipeline_update_bumps_updated_at(recruiter):
    application = ApplicationFactory()
    before = Application.objects.get(pk=application.pk).updated_at
    Application.objects.filter(pk=application.pk).update(stage="screening")
    assert Application.objects.get(pk=application.pk).updated_at > before
