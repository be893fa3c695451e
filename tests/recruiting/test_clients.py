"""The client's answer (docs/rules.md#client-owes): the clock per application, the chase, the call prompt and
escalation."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from notifications.models import OutboundMessage
from recruiting.models import Application, ClientChase, HiringManager, RecruiterPrompt, Role, Stage
from recruiting.services import application_move
from recruiting.services.clients import application_client_promise_set, client_answers_chase, client_prompts_scan
from recruiting.services.prompts import prompt_resolve
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, TeamFactory, UserFactory

UTC = ZoneInfo("UTC")
# Monday 16 November 2026, 10:00 UTC: the candidate is submitted.
MONDAY = datetime(2026, 11, 16, 10, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return UserFactory(profile__role=Role.TEAM_LEAD)


@pytest.fixture
def owner(lead):
    return UserFactory(profile__team=TeamFactory(lead=lead))


@pytest.fixture
def client():
    return ClientFactory(name="Lumen & Loom")


@pytest.fixture
def manager(client):
    return HiringManager.objects.create(client=client, name="Dana Park", email="dana@lumen.example", time_zone="UTC")


@pytest.fixture
def job(client, manager, owner):
    job = JobFactory(client=client, owner=owner, title="Data Analyst")
    job.hiring_managers.add(manager)
    return job


def screening(job, owner, **kwargs) -> Application:
    return ApplicationFactory(job=job, candidate__owner=owner, stage=Stage.SCREENING, created_at=MONDAY, **kwargs)


def submit(application, owner, at=MONDAY) -> Application:
    with time_machine.travel(at, tick=False):
        application_move(application=application, to_stage=Stage.SUBMITTED, by=owner)
    application.refresh_from_db()
    return application


def chase_at(moment):
    with time_machine.travel(moment, tick=False):
        return client_answers_chase()


def chases():
    return OutboundMessage.objects.filter(template_code="client_chase")


def test_submission_starts_the_clock_three_business_days_later(job, owner):
    application = submit(screening(job, owner), owner)
    assert application.client_asked_at == MONDAY
    assert application.client_answer_due == datetime(2026, 11, 19, 10, tzinfo=UTC)
    assert application.client_chased_at is None


def test_the_clock_skips_the_weekend_and_restarts_after_the_interview(job, owner):
    application = submit(screening(job, owner), owner, at=datetime(2026, 11, 19, 15, tzinfo=UTC))  # Thursday
    assert application.client_answer_due == datetime(2026, 11, 24, 15, tzinfo=UTC)  # Tuesday
    interview = datetime(2026, 11, 20, 9, tzinfo=UTC)  # Friday
    with time_machine.travel(interview, tick=False):
        application_move(application=application, to_stage=Stage.INTERVIEWING, by=owner)
    application.refresh_from_db()
    assert application.client_asked_at == interview
    assert application.client_answer_due == datetime(2026, 11, 24, 9, tzinfo=UTC)  # two business days


def test_leaving_the_client_stages_stops_the_clock(job, owner):
    application = submit(screening(job, owner), owner)
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        application_move(application=application, to_stage=Stage.REJECTED, by=owner)
    application.refresh_from_db()
    assert application.client_answer_due is None
    assert chase_at(MONDAY + timedelta(days=10)).due == 0


def test_a_date_the_client_promised_moves_the_due_time_to_the_next_business_morning(job, owner):
    application = submit(screening(job, owner), owner)
    with time_machine.travel(MONDAY, tick=False):
        application_client_promise_set(application=application, promised_date=date(2026, 11, 20), by=owner)
    application.refresh_from_db()
    assert application.client_promised_date == date(2026, 11, 20)
    # Friday promised: due when business opens on Monday (09:00 in the firm's zone).
    assert application.client_answer_due == datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_a_client_promise_is_refused_in_the_past_outside_client_stages_and_to_others(job, owner):
    application = submit(screening(job, owner), owner)
    with time_machine.travel(MONDAY, tick=False):
        with pytest.raises(ValidationError):
            application_client_promise_set(application=application, promised_date=date(2026, 11, 13), by=owner)
        with pytest.raises(PermissionDenied):
            application_client_promise_set(application=application, promised_date=date(2026, 11, 20), by=UserFactory())
    other = screening(job, owner)
    with time_machine.travel(MONDAY, tick=False), pytest.raises(ValidationError):
        application_client_promise_set(application=other, promised_date=date(2026, 11, 20), by=owner)


def test_nothing_is_chased_before_the_due_time(job, owner):
    submit(screening(job, owner), owner)
    assert chase_at(datetime(2026, 11, 19, 9, 59, tzinfo=UTC)).due == 0
    assert not chases().exists()


def test_a_due_answer_is_chased_once_held_and_in_the_managers_hours(job, owner, manager):
    manager.time_zone = "America/New_York"
    manager.save()
    application = submit(screening(job, owner), owner)
    due = datetime(2026, 11, 19, 10, tzinfo=UTC)
    result = chase_at(due + timedelta(minutes=1))
    assert result.chased == [application.pk]
    message = chases().get()
    assert message.status == OutboundMessage.Status.HELD
    assert message.to_address == "dana@lumen.example"
    assert message.send_window_tz == "America/New_York"
    # 10:11 UTC is 05:11 in New York: held until their business hours open at 09:00 (14:00 UTC).
    assert message.send_after == datetime(2026, 11, 19, 14, tzinfo=UTC)
    assert application.candidate.full_name in message.body_text
    assert application.candidate.email not in message.body_text
    assert "/c/answer/" in message.body_text
    chase = ClientChase.objects.get()
    assert (chase.application_id, chase.hiring_manager_id, chase.message_id) == (application.pk, manager.pk, message.pk)
    # The next beats find nothing more to do for this due step.
    assert chase_at(due + timedelta(minutes=6)).due == 0
    assert chase_at(due + timedelta(days=1)).due == 0
    assert chases().count() == 1


def test_several_candidates_share_one_chase_per_manager_per_day(job, owner, manager):
    first, second = submit(screening(job, owner), owner), submit(screening(job, owner), owner)
    later = submit(screening(job, owner), owner, at=MONDAY + timedelta(hours=4))
    chase_at(datetime(2026, 11, 19, 10, 5, tzinfo=UTC))
    message = chases().get()
    assert first.candidate.full_name in message.body_text and second.candidate.full_name in message.body_text
    assert "2 candidates" in message.subject
    # The third falls due the same afternoon: the manager was already chased today, so it waits a day.
    result = chase_at(datetime(2026, 11, 19, 14, 5, tzinfo=UTC))
    assert (result.due, result.chased) == (1, [])
    later.refresh_from_db()
    assert later.client_chased_at is None
    result = chase_at(datetime(2026, 11, 20, 8, tzinfo=UTC))
    assert result.chased == [later.pk]
    assert chases().count() == 2


def test_a_manager_marked_do_not_email_is_never_chased_and_the_owner_is_prompted_to_call(job, owner, manager):
    manager.do_not_email = True
    manager.save()
    application = submit(screening(job, owner), owner)
    result = chase_at(datetime(2026, 11, 19, 10, 5, tzinfo=UTC))
    assert result.unreachable == [application.pk]
    assert not chases().exists()
    prompt = RecruiterPrompt.objects.get(application=application, reason=RecruiterPrompt.Reason.CLIENT_SILENT)
    assert prompt.recruiter == owner
    assert chase_at(datetime(2026, 11, 20, 10, 5, tzinfo=UTC)).due == 0


def test_a_job_with_two_managers_chases_both(job, owner, client):
    other = HiringManager.objects.create(client=client, name="Sam Ode", email="sam@lumen.example")
    job.hiring_managers.add(other)
    submit(screening(job, owner), owner)
    chase_at(datetime(2026, 11, 19, 10, 5, tzinfo=UTC))
    assert set(chases().values_list("to_address", flat=True)) == {"dana@lumen.example", "sam@lumen.example"}


def test_a_silent_client_prompts_a_call_then_the_team_lead(job, owner, lead):
    application = submit(screening(job, owner), owner)
    chase_at(datetime(2026, 11, 19, 10, 5, tzinfo=UTC))  # Thursday
    with time_machine.travel(datetime(2026, 11, 20, 10, 5, tzinfo=UTC), tick=False):
        assert client_prompts_scan().opened == []
    # Two business days after Thursday's chase: Monday.
    with time_machine.travel(datetime(2026, 11, 23, 10, 6, tzinfo=UTC), tick=False):
        opened = client_prompts_scan().opened
        assert client_prompts_scan().opened == []
    prompt = RecruiterPrompt.objects.get(pk__in=opened)
    assert (prompt.application_id, prompt.reason) == (application.pk, RecruiterPrompt.Reason.CLIENT_SILENT)
    assert "Lumen & Loom" in prompt.detail
    with time_machine.travel(datetime(2026, 11, 24, 10, 6, tzinfo=UTC), tick=False):
        assert client_prompts_scan().escalated == []
    with time_machine.travel(datetime(2026, 11, 25, 10, 7, tzinfo=UTC), tick=False):
        assert client_prompts_scan().escalated == [prompt.pk]
        assert client_prompts_scan().escalated == []
    prompt.refresh_from_db()
    assert prompt.escalated_to == lead


def test_moving_on_settles_the_call_prompt(job, owner):
    application = submit(screening(job, owner), owner)
    chase_at(datetime(2026, 11, 19, 10, 5, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 11, 23, 10, 6, tzinfo=UTC), tick=False):
        client_prompts_scan()
        application_move(application=application, to_stage=Stage.INTERVIEWING, by=owner)
    prompt = RecruiterPrompt.objects.get(application=application, reason=RecruiterPrompt.Reason.CLIENT_SILENT)
    assert prompt.resolved_at is not None
    application.refresh_from_db()
    assert application.client_chased_at is None
    assert application.client_answer_due == datetime(2026, 11, 25, 10, 6, tzinfo=UTC)


def test_a_call_prompt_closed_by_the_owner_is_not_opened_again_for_the_same_chase(job, owner):
    application = submit(screening(job, owner), owner)
    chase_at(datetime(2026, 11, 19, 10, 5, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 11, 23, 10, 6, tzinfo=UTC), tick=False):
        [opened] = client_prompts_scan().opened
        prompt_resolve(prompt=RecruiterPrompt.objects.get(pk=opened), by=owner, resolution="Called, they decide soon")
    with time_machine.travel(datetime(2026, 11, 23, 10, 11, tzinfo=UTC), tick=False):
        assert client_prompts_scan().opened == []
    # A new due step (the client promised a date) is chased and prompted afresh.
    with time_machine.travel(datetime(2026, 11, 23, 11, tzinfo=UTC), tick=False):
        application_client_promise_set(application=application, promised_date=date(2026, 11, 24), by=owner)
    chase_at(datetime(2026, 11, 25, 9, 5, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 11, 27, 9, 6, tzinfo=UTC), tick=False):
        assert len(client_prompts_scan().opened) == 1
