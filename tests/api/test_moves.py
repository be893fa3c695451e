"""Moves, contacts and promises through the API behave as through the pages' services (docs/rules.md#ats-is-a-user), and
Idempotency-Key replays a POST's answer once."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from notifications.models import OutboundMessage
from recruiting.models import Application, AuditLog, ContactEvent, RecruiterPrompt, Stage, StageChange
from recruiting.services import application_move
from tests.api.conftest import assert_problem
from tests.factories import ApplicationFactory, PromptFactory

pytestmark = pytest.mark.django_db

CLOCK = ("stage", "promised_next_step_date", "last_informed_at", "next_update_due", "escalate_at", "safety_net_at")


def _pair(owner, stage=Stage.SCREENING):
    return [ApplicationFactory(candidate__owner=owner, job__owner=owner, stage=stage) for _ in range(2)]


def _outcome(application: Application) -> dict:
    application.refresh_from_db()
    messages = OutboundMessage.objects.filter(application=application).order_by("id")
    audit = AuditLog.objects.filter(object_type="recruiting.application", object_id=application.pk).order_by("id")
    return {
        "clock": {field: getattr(application, field) for field in CLOCK if field != "next_update_due"},
        "due_set": application.next_update_due is not None,
        "messages": [(m.template_code, m.status, m.to_address == application.candidate.email) for m in messages],
        "prompts": sorted(RecruiterPrompt.objects.filter(application=application).values_list("reason", "resolved_at")),
        "changes": list(
            StageChange.objects.filter(application=application).values_list("from_stage", "to_stage", "note")
        ),
        "audit": [(row.action, {k: v for k, v in row.details.items() if k != "api_key"}) for row in audit],
    }


@pytest.mark.parametrize("to_stage", [Stage.SUBMITTED, Stage.REJECTED])
def test_a_move_through_the_api_is_the_move_through_the_service(
    api_for, recruiter, django_capture_on_commit_callbacks, to_stage
):
    by_api, by_page = _pair(recruiter)
    next_step = timezone.localdate() + timedelta(days=7)
    api = api_for(recruiter)
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(
            f"/applications/{by_api.pk}/move",
            {"stage": to_stage, "note": "Client wants to meet", "next_step_date": next_step.isoformat()},
        )
        application_move(
            application=by_page, to_stage=to_stage, by=recruiter, note="Client wants to meet", next_step_date=next_step
        )
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == to_stage
    api_outcome, page_outcome = _outcome(by_api), _outcome(by_page)
    assert api_outcome == page_outcome
    assert api_outcome["messages"], "the move owes the candidate an email, held for review"
    assert all(status == OutboundMessage.Status.HELD for _code, status, _to in api_outcome["messages"])
    move_row = AuditLog.objects.get(action="application.move", object_id=by_api.pk)
    assert move_row.details["api_key"] == api.api_key.label and move_row.actor_id == recruiter.pk
    assert "api_key" not in AuditLog.objects.get(action="application.move", object_id=by_page.pk).details


@pytest.mark.parametrize("to_stage", [Stage.SUBMITTED, Stage.INTERVIEWING, Stage.REJECTED, Stage.WITHDRAWN])
def test_a_move_answers_the_application_as_it_is_read_afterwards(api_for, recruiter, to_stage):
    application = ApplicationFactory(candidate__owner=recruiter, job__owner=recruiter, stage=Stage.SCREENING)
    api = api_for(recruiter)
    next_step = (timezone.localdate() + timedelta(days=5)).isoformat()
    moved = api.post(f"/applications/{application.pk}/move", {"stage": to_stage, "next_step_date": next_step})
    assert moved.status_code == 200, moved.content
    read = api.get(f"/applications/{application.pk}")
    assert read.status_code == 200
    assert moved.json() == read.json()
    assert datetime.fromisoformat(moved.json()["updated_at"]) > application.updated_at


def test_a_move_of_an_application_that_does_not_exist_is_a_404_problem(api_for, recruiter):
    missing = (Application.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    assert_problem(api_for(recruiter).post(f"/applications/{missing}/move", {"stage": "screening"}), 404)


def test_a_refused_move_is_a_422_problem_and_changes_nothing(api_for, recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.PLACED, closed_at=timezone.now())
    body = assert_problem(api_for(recruiter).post(f"/applications/{application.pk}/move", {"stage": "offer"}), 422)
    assert body["errors"][0]["field"] == "to_stage"
    assert_problem(api_for(recruiter).post(f"/applications/{application.pk}/move", {"stage": "nowhere"}), 422)
    assert not StageChange.objects.filter(application=application).exists()


def test_a_logged_call_tells_the_candidate_and_settles_the_overdue_prompt(api_for, recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    prompt = PromptFactory(application=application, recruiter=recruiter, reason="overdue")
    api = api_for(recruiter)
    response = api.post(
        f"/applications/{application.pk}/contacts", {"channel": "phone", "summary": "Told them the news"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["informs_candidate"] is True
    application.refresh_from_db()
    prompt.refresh_from_db()
    assert application.last_informed_at is not None and prompt.resolved_at is not None
    assert ContactEvent.objects.get(application=application).channel == "phone"
    clock = api.get(f"/applications/{application.pk}/clock").json()
    assert clock["last_informed_at"] is not None and clock["next_update_due"] is not None
    assert api.get(f"/applications/{application.pk}/prompts").json() == []


def test_a_contact_at_a_moment_without_its_offset_is_refused_not_an_error(api_for, recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    response = api_for(recruiter).post(
        f"/applications/{application.pk}/contacts", {"channel": "phone", "summary": "s", "at": "2026-12-06T10:00:00"}
    )
    assert "time zone" in assert_problem(response, 422)["detail"]
    assert not ContactEvent.objects.filter(application=application).exists()


def test_a_contact_older_than_its_application_is_refused(api_for, recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    response = api_for(recruiter).post(
        f"/applications/{application.pk}/contacts", {"channel": "phone", "summary": "s", "at": "1900-01-01T00:00:00Z"}
    )
    assert "older than the application" in assert_problem(response, 422)["detail"]
    assert not ContactEvent.objects.filter(application=application).exists()


def test_a_contact_summary_is_as_long_as_on_the_pages_at_most(api_for, recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    response = api_for(recruiter).post(
        f"/applications/{application.pk}/contacts", {"channel": "phone", "summary": "x" * 4001}
    )
    assert_problem(response, 422)
    assert not ContactEvent.objects.filter(application=application).exists()


def test_a_call_logged_late_spends_no_promise_made_since(api_for, recruiter):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start - timedelta(days=3), tick=False):
        application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    promised = timezone.localdate() + timedelta(days=20)
    told = api_for(recruiter).post(
        f"/applications/{application.pk}/contacts",
        {"channel": "phone", "summary": "Told them", "next_step_date": promised.isoformat()},
    )
    assert told.status_code == 201, told.content
    late = api_for(recruiter).post(
        f"/applications/{application.pk}/contacts",
        {"channel": "phone", "summary": "Yesterday's call", "at": (start - timedelta(days=1)).isoformat()},
    )
    assert late.status_code == 201, late.content
    application.refresh_from_db()
    assert application.promised_next_step_date == promised


def test_a_promise_mid_stage_moves_the_clock(api_for, recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.INTERVIEWING)
    promised = timezone.localdate() + timedelta(days=20)
    response = api_for(recruiter).post(
        f"/applications/{application.pk}/promise", {"next_step_date": promised.isoformat(), "note": "After the panel"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["promised_next_step_date"] == promised.isoformat()
    row = AuditLog.objects.get(action="application.promise", object_id=application.pk)
    assert row.details["note"] == "After the panel" and "api_key" in row.details
    past = timezone.localdate() - timedelta(days=1)
    assert_problem(
        api_for(recruiter).post(f"/applications/{application.pk}/promise", {"next_step_date": past.isoformat()}), 422
    )


def test_messages_and_prompts_of_an_application_are_read_with_their_states(api_for, recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    api = api_for(recruiter)
    api.post(f"/applications/{application.pk}/move", {"stage": "submitted"})
    messages = api.get(f"/applications/{application.pk}/messages").json()
    assert messages and messages[0]["status"] == "held"
    assert "body_text" not in messages[0]
    PromptFactory(application=application, recruiter=recruiter, reason="candidate_asked")
    assert [p["reason"] for p in api.get(f"/applications/{application.pk}/prompts").json()] == ["candidate_asked"]
    figures = api.get("/figures").json()
    assert figures["firm"]["active"] >= 1


def test_the_same_idempotency_key_and_body_replay_the_answer_once(api_for, recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    api = api_for(recruiter)
    headers = {"Idempotency-Key": "move-42"}
    first = api.post(f"/applications/{application.pk}/move", {"stage": "submitted"}, headers=headers)
    second = api.post(f"/applications/{application.pk}/move", {"stage": "submitted"}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert StageChange.objects.filter(application=application, to_stage="submitted").count() == 1
    other = api.post(f"/applications/{application.pk}/move", {"stage": "interviewing"}, headers=headers)
    assert_problem(other, 409)
    application.refresh_from_db()
    assert application.stage == Stage.SUBMITTED


def test_an_idempotent_refusal_is_replayed_too_and_keys_are_per_user(api_for, recruiter, admin_user):
    application = ApplicationFactory(candidate__owner=recruiter, stage=Stage.SCREENING)
    headers = {"Idempotency-Key": "same"}
    refused = api_for(recruiter).post(f"/applications/{application.pk}/move", {"stage": "screening"}, headers=headers)
    assert_problem(refused, 422)
    assert (
        api_for(recruiter).post(f"/applications/{application.pk}/move", {"stage": "screening"}, headers=headers).content
        == refused.content
    )
    # Another user's same key is theirs alone.
    response = api_for(admin_user).post(f"/applications/{application.pk}/move", {"stage": "submitted"}, headers=headers)
    assert response.status_code == 200


def test_an_idempotency_key_without_a_valid_api_key_is_still_401(api_for, recruiter):
    from tests.api.conftest import ApiClient

    assert_problem(ApiClient(None).post("/candidates", {}, headers={"Idempotency-Key": "k"}), 401)
    assert_problem(api_for(recruiter).post("/candidates", {}, headers={"Idempotency-Key": "x" * 201}), 400)


def test_kept_answers_are_forgotten_after_their_days(api_for, recruiter, settings):
    import time_machine

    from api.middleware import idempotent_requests_purge
    from api.models import IdempotentRequest

    settings.INLOOP_API_IDEMPOTENCY_DAYS = 7
    api = api_for(recruiter)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        api.post("/clients", {"name": "Acme"}, headers={"Idempotency-Key": "c-1"})
        clock.shift(timedelta(days=6))
        assert idempotent_requests_purge() == 0
        clock.shift(timedelta(days=1, seconds=1))
        assert idempotent_requests_purge() == 1
    assert not IdempotentRequest.objects.exists()
