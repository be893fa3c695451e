"""The ATS plays a whole application's life from API calls alone (created by external ids, submitted,
interviewed, rejected late); a recruiter lives the same life on a twin through the pages' services. The
candidate's held emails, the prompts and the figures come out the same."""

import pytest
from django.utils import timezone

from candidates.services.people import candidate_create
from notifications.models import OutboundMessage
from recruiting import selectors
from recruiting.models import Application, RecruiterPrompt, Stage
from recruiting.services import application_move
from recruiting.services.jobs_clients import application_add, client_create, job_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIFE = [Stage.SCREENING, Stage.SUBMITTED, Stage.INTERVIEWING, Stage.REJECTED]


def _by_api(api) -> Application:
    assert api.put("/clients/by-external-id/C-1", {"name": "Northwind", "industry": "logistics"}).status_code == 201
    assert (
        api.put("/jobs/by-external-id/J-1", {"client_external_id": "C-1", "title": "Data engineer"}).status_code == 201
    )
    assert (
        api.put("/candidates/by-external-id/P-1", {"first_name": "Ines", "email": "ines@mail.example"}).status_code
        == 201
    )
    made = api.put("/applications/by-external-id/A-1", {"candidate_external_id": "P-1", "job_external_id": "J-1"})
    assert made.status_code == 201, made.content
    for number, stage in enumerate(LIFE):
        response = api.post(
            f"/applications/{made.json()['id']}/move",
            {"stage": stage, "note": f"Step {stage}"},
            headers={"Idempotency-Key": f"A-1-{number}"},
        )
        assert response.status_code == 200, response.content
    return Application.objects.get(external_id="A-1")


def _by_pages(user) -> Application:
    client = client_create(name="Southwind", industry="logistics", name_visible_before_submission=False, by=user)
    job = job_create(client=client, title="Data engineer", location="", owner=user, by=user)
    candidate = candidate_create(first_name="Ines", email="ines.two@mail.example", owner=user, by=user)
    application = application_add(candidate=candidate, job=job, by=user)
    for stage in LIFE:
        application_move(application=application, to_stage=stage, by=user, note=f"Step {stage}")
    return application


def _life(application: Application) -> dict:
    application.refresh_from_db()
    messages = OutboundMessage.objects.filter(application=application).order_by("id")
    return {
        "stage": application.stage,
        "messages": [(m.template_code, m.status) for m in messages],
        "prompts": sorted(
            RecruiterPrompt.objects.filter(application=application, resolved_at__isnull=True).values_list(
                "reason", flat=True
            )
        ),
        "changes": list(application.stage_changes.order_by("at", "id").values_list("from_stage", "to_stage")),
    }


def test_an_application_driven_by_the_ats_lives_as_one_driven_by_a_recruiter(api_for):
    ats_user, recruiter = UserFactory(), UserFactory()
    by_api = _by_api(api_for(ats_user))
    by_pages = _by_pages(recruiter)

    api_life, pages_life = _life(by_api), _life(by_pages)
    assert api_life == pages_life
    assert api_life["stage"] == Stage.REJECTED
    assert "feedback_owed" in api_life["prompts"], "a rejection after the client saw them owes personal feedback"
    # Each stage's email was held for review and superseded by the next move before it went; after a late
    # rejection the candidate hears from their recruiter in person, not from an automated email.
    assert api_life["messages"]
    assert {status for _code, status in api_life["messages"]} == {OutboundMessage.Status.CANCELLED}

    figures = {row["id"]: row for row in selectors.loop_figures(now=timezone.now())["recruiters"]}
    strip = lambda row: {k: v for k, v in row.items() if k not in ("id", "name")}  # noqa: E731
    assert strip(figures[ats_user.pk]) == strip(figures[recruiter.pk])
