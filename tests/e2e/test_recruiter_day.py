"""A whole recruiter day in Chromium: add a candidate, put them forward for a job, drag them to "submitted"
with a promised date, send a check-in and see it waiting, then the team lead takes over an escalation.
Screenshots of every step go to artifacts/screenshots/day-*.png."""

from datetime import timedelta

import pytest
from django.utils import timezone

from candidates.models import Candidate
from notifications.models import OutboundMessage
from recruiting.models import Application, Role, Stage
from recruiting.services import application_clock_recompute
from tests.e2e import test_recruiter_flow as flow
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, PromptFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.e2e

browser, contexts = flow.browser, flow.contexts


def _shot(page, name):
    page.screenshot(path=str(flow.SCREENSHOTS / f"day-{name}.png"), full_page=True)


def _sign_in(page, url, username):
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", flow.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def _firm():
    team = TeamFactory(name="North")
    lead = UserFactory(
        username="lena", first_name="Lena", last_name="Lead", profile__team=team, profile__role=Role.TEAM_LEAD
    )
    team.lead = lead
    team.save()
    rowan = UserFactory(username="rowan", first_name="Rowan", last_name="Ellery", profile__team=team)
    job = JobFactory(owner=rowan, title="Data Analyst", client=ClientFactory(name="Larchmont Analytics"))
    long_ago = timezone.now() - timedelta(days=9)
    silent = ApplicationFactory(
        owner=rowan,
        candidate__owner=rowan,
        candidate__first_name="Idris",
        job=job,
        stage=Stage.SCREENING,
        created_at=long_ago,
        stage_entered_at=long_ago,
    )
    application_clock_recompute(application=silent)
    PromptFactory(application=silent, recruiter=rowan, escalated_at=timezone.now(), escalated_to=lead)
    return lead, rowan, job, silent


@flow.own_connection_closed
def test_a_recruiters_day_and_the_lead_taking_over(contexts, live_server, settings):
    settings.INLOOP_BASE_URL = live_server.url
    lead, rowan, job, silent = _firm()
    url = live_server.url
    page = contexts(viewport={"width": 1400, "height": 1000}).new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _sign_in(page, url, "rowan")

    # Add a candidate and put them forward for the job, chosen from the jobs they may use.
    page.goto(f"{url}/candidates/new/")
    page.fill("#id_first_name", "Marisol")
    page.fill("#id_last_name", "Okafor")
    page.fill("#id_email", "marisol.okafor@mail.example")
    page.select_option("#id_time_zone", "Europe/Madrid")
    page.select_option("#id_job", str(job.pk))
    _shot(page, "01-add-candidate")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Marisol Okafor added.")
    candidate = Candidate.objects.get(email="marisol.okafor@mail.example")
    application = Application.objects.get(candidate=candidate, job=job)
    _shot(page, "02-candidate-page")

    # Drag the card to "submitted": the move form opens with its preview; promise a date.
    page.goto(f"{url}/jobs/{job.pk}/")
    card = page.locator(f'article[data-application="{application.pk}"]')
    page.drag_and_drop(f'article[data-application="{application.pk}"]', 'section[data-stage="submitted"]')
    page.wait_for_selector("#action-modal-content form")
    assert page.locator("#action-modal-content select[name=to_stage]").input_value() == Stage.SUBMITTED
    promised = timezone.localdate() + timedelta(days=6)
    page.fill("#action-modal-content input[name=next_step_date]", promised.isoformat())
    _shot(page, "03-drop-opens-move-form")
    page.locator("#action-modal-content button[type=submit]").click()
    page.wait_for_selector("text=Marisol Okafor moved to Submitted to client.")
    application.refresh_from_db()
    assert (application.stage, application.promised_next_step_date) == (Stage.SUBMITTED, promised)
    assert card.count() == 1
    _shot(page, "04-board-after-move")

    # Send a check-in from the pipeline list and see it waiting in the outbox with its countdown.
    page.goto(f"{url}/pipeline/?sort=candidate")
    page.check(f'input[name=applications][value="{application.pk}"]')
    page.select_option("#id_action", "check_in")
    page.click("#bulk-form button[type=submit]")
    page.wait_for_selector("text=1 of 1 done.")
    _shot(page, "05-check-in-result")
    page.goto(f"{url}/outbox/")
    page.wait_for_selector("[data-countdown]:has-text('in ')")
    assert OutboundMessage.objects.filter(application=application, template_code="check_in", status="held").exists()
    _shot(page, "06-outbox-waiting")

    # The team lead takes over the escalated candidate from the team page, in place.
    lead_page = contexts(viewport={"width": 1400, "height": 1000}).new_page()
    _sign_in(lead_page, url, "lena")
    lead_page.goto(f"{url}/team/")
    _shot(lead_page, "07-team-page")
    lead_page.click("text=Take over")
    lead_page.wait_for_selector("text=is yours now")
    _shot(lead_page, "08-taken-over")
    assert Application.objects.get(pk=silent.pk).owner == lead
    # Nothing blocked by the strict CSP, and no resource missing (the favicon included).
    assert not [error for error in errors if "Content Security Policy" in error], errors
    assert not [error for error in errors if "404" in error], errors
