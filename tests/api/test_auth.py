"""API keys: Bearer authentication, revocation, last use, the per-key rate limit, and problem details."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from api.keys import api_key_revoke
from api.models import ApiKey
from recruiting.models import AuditLog, Stage
from tests.api.conftest import ApiClient, assert_problem
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_no_key_is_401_with_a_problem_and_a_challenge():
    response = ApiClient(None).get("/candidates")
    body = assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert body["instance"] == "/api/v1/candidates"


def test_a_made_up_key_is_401():
    assert_problem(ApiClient("inl_deadbeef_notakey").get("/candidates"), 401)
    assert_problem(ApiClient("something-else").get("/candidates"), 401)


def test_another_scheme_is_401_and_its_credentials_are_never_logged(client, settings, caplog):
    settings.DEBUG = True  # the embedded mode's setting, where the base class logged the header
    for header in ("Basic dXNlcjpzM2NyZXQtcGFzc3dvcmQ=", "Bearer", "Bearer    "):
        response = client.get("/api/v1/candidates", HTTP_AUTHORIZATION=header)
        assert_problem(response, 401)
    assert "dXNlcjpzM2NyZXQtcGFzc3dvcmQ" not in caplog.text


def test_a_valid_key_reads_and_records_its_last_use(api_for, recruiter):
    api = api_for(recruiter)
    assert api.api_key.last_used_at is None
    assert api.get("/candidates").status_code == 200
    api.api_key.refresh_from_db()
    assert api.api_key.last_used_at is not None


def test_a_revoked_key_is_401_at_once(api_for, recruiter):
    api = api_for(recruiter)
    assert api.get("/candidates").status_code == 200
    api_key_revoke(api_key=api.api_key, by=None)
    assert_problem(api.get("/candidates"), 401)


def test_a_key_of_a_deactivated_user_is_401(api_for, recruiter):
    api = api_for(recruiter)
    recruiter.is_active = False
    recruiter.save()
    assert_problem(api.get("/candidates"), 401)


def test_only_the_hash_is_kept_and_the_command_prints_the_key_once(capsys, recruiter):
    call_command("api_key_create", user=recruiter.username, name="Our ATS")
    key = capsys.readouterr().out.strip()
    stored = ApiKey.objects.get(user=recruiter)
    assert key.startswith(f"inl_{stored.prefix}_")
    assert key not in stored.key_hash and stored.key_hash != key
    assert ApiClient(key).get("/jobs").status_code == 200
    assert AuditLog.objects.filter(action="api_key.create", object_id=stored.pk).exists()


def test_the_command_refuses_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("api_key_create", user="nobody", name="ATS")


def test_over_the_rate_limit_is_429_with_retry_after(api_for, recruiter, settings):
    settings.INLOOP_API_RATE_LIMIT = 3
    settings.INLOOP_API_RATE_WINDOW_SECONDS = 60
    api = api_for(recruiter)
    other = api_for(recruiter, name="Second")
    with time_machine.travel(timezone.now().replace(second=10, microsecond=0), tick=False):
        for _ in range(3):
            assert api.get("/jobs").status_code == 200
        response = api.get("/jobs")
        assert_problem(response, 429)
        assert response["Retry-After"] == "50"
        # The limit is per key.
        assert other.get("/jobs").status_code == 200
    with time_machine.travel(timezone.now().replace(second=10, microsecond=0) + timedelta(minutes=1), tick=False):
        assert api.get("/jobs").status_code == 200


def test_a_recruiter_key_cannot_act_on_another_teams_application(api_for, recruiter):
    theirs = ApplicationFactory(stage=Stage.SCREENING)
    api = api_for(recruiter)
    before = AuditLog.objects.count()
    assert_problem(api.post(f"/applications/{theirs.pk}/move", {"stage": "submitted"}), 403)
    assert_problem(api.post(f"/applications/{theirs.pk}/contacts", {"channel": "phone"}), 403)
    assert_problem(api.post(f"/applications/{theirs.pk}/promise", {"next_step_date": None}), 403)
    assert_problem(api.patch(f"/applications/{theirs.pk}", {"external_id": "X-1"}), 403)
    assert_problem(api.patch(f"/candidates/{theirs.candidate_id}", {"first_name": "Changed"}), 403)
    assert_problem(api.patch(f"/jobs/{theirs.job_id}", {"title": "Changed"}), 403)
    theirs.refresh_from_db()
    assert theirs.stage == Stage.SCREENING and theirs.external_id is None
    assert AuditLog.objects.count() == before


def test_an_admin_key_acts_for_the_whole_firm(api_for, admin_user):
    theirs = ApplicationFactory(stage=Stage.SCREENING)
    response = api_for(admin_user).post(f"/applications/{theirs.pk}/move", {"stage": "submitted", "notify": False})
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "submitted"


def test_errors_are_problems_for_404_422_and_unknown_addresses(api_for, recruiter):
    api = api_for(recruiter)
    assert_problem(api.get("/applications/999999"), 404)
    body = assert_problem(api.post("/candidates", {"first_name": "Ada"}), 422)
    assert any(error["field"] == "email" for error in body["errors"])
    body = assert_problem(api.post("/candidates", {"first_name": "Ada", "email": "not-an-address"}), 422)
    assert any(error["field"] == "email" for error in body["errors"])
    assert_problem(api.get("/no-such-thing"), 404)


def test_the_openapi_document_and_the_docs_page_use_our_own_static_files(client):
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    assert "/api/v1/applications/{pk}/move" in document.json()["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_a_user_revokes_their_own_key_but_not_anothers(api_for, recruiter):
    mine = api_for(recruiter).api_key
    theirs = api_for(UserFactory()).api_key
    api_key_revoke(api_key=mine, by=recruiter)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        api_key_revoke(api_key=theirs, by=recruiter)
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_errors_answered_before_the_api_are_problems_too(api_for, recruiter):
    api = api_for(recruiter)
    # The NUL guard in front of every view, and a method the route does not take.
    assert_problem(api.get("/candidates", cursor="a\x00b"), 400)
    response = api.client.delete("/api/v1/candidates", headers=api.headers)
    assert_problem(response, 405)
    assert "GET" in response["Allow"]
    # A wrong address written to (the CSRF check would otherwise answer with its HTML page).
    assert_problem(api.patch("/candidates/not-a-number", {}), 404)


def test_a_nul_character_in_a_body_is_a_422_naming_the_field(api_for, recruiter):
    body = assert_problem(api_for(recruiter).post("/clients", {"name": "Acme\x00"}), 422)
    assert body["errors"][0]["field"] == "name"


@pytest.mark.parametrize("idempotency", [{}, {"Idempotency-Key": "big-one"}])
def test_a_body_larger_than_the_api_takes_is_a_problem_not_a_page(api_for, recruiter, settings, idempotency):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_for(recruiter).post("/candidates", {"first_name": "Ada", "notes": "x" * 5000}, headers=idempotency)

    body = assert_problem(response, 413 if idempotency else 400)
    assert "first_name" not in body["detail"]


def test_the_docs_page_asks_no_outside_server_to_validate_the_document(client):
    page = client.get("/api/v1/docs").content.decode()

    assert '"validatorUrl": null' in page
    assert "https://" not in page.split("<body", 1)[-1].split("swagger_settings", 1)[0]
