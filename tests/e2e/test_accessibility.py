"""Every workspace and candidate page checked with axe-core in Debian's Chromium (axe-playwright-python):
no serious or critical violation. Screenshots of each page go to artifacts/screenshots/a11y-*.png."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates import links
from candidates.models import CandidateImport
from notifications.services.messages import message_check_in_queue
from recruiting.models import Role, Stage
from recruiting.services import application_clock_recompute
from recruiting.services.figure_weeks import figure_weeks_record
from tests.e2e import test_recruiter_flow as flow
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, PromptFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.e2e

# The browser fixtures of the recruiter's day, shared.
browser, contexts = flow.browser, flow.contexts
PASSWORD, SCREENSHOTS, own_connection_closed = flow.PASSWORD, flow.SCREENSHOTS, flow.own_connection_closed

BLOCKING = ("serious", "critical")


def _firm():
    team = TeamFactory(name="North")
    lead = UserFactory(
        username="lena",
        first_name="Lena",
        last_name="Lead",
        profile__team=team,
        profile__role=Role.TEAM_LEAD,
        profile__time_zone="Europe/Berlin",
    )
    team.lead = lead
    team.save()
    recruiter = UserFactory(username="rowan", first_name="Rowan", last_name="Ellery", profile__team=team)
    job = JobFactory(owner=recruiter, title="Data Analyst", client=ClientFactory(name="Larchmont Analytics"))
    long_ago = timezone.now() - timedelta(days=12)
    application = ApplicationFactory(
        job=job,
        owner=recruiter,
        candidate__owner=recruiter,
        candidate__first_name="Priya",
        candidate__last_name="Valdés",
        stage=Stage.SUBMITTED,
        created_at=long_ago,
        stage_entered_at=long_ago,
    )
    application_clock_recompute(application=application)
    message = message_check_in_queue(application=application, by=recruiter)
    PromptFactory(application=application, recruiter=recruiter, escalated_at=timezone.now(), escalated_to=lead)
    run = CandidateImport.objects.create(
        uploaded_by=lead, content=b"x", status="finished", rows=2, refused=[[2, "The email address is not valid."]]
    )
    figure_weeks_record()
    return lead, application, message, run


def _pages(application, message, run):
    candidate, job = application.candidate, application.job
    workspace = [
        reverse("home"),
        reverse("application_list"),
        reverse("application_list") + "?scope=all&sort=-candidate",
        reverse("job_list"),
        reverse("job_board", args=[job.pk]),
        reverse("job_new"),
        reverse("job_edit", args=[job.pk]),
        reverse("job_application_add", args=[job.pk]),
        reverse("client_new"),
        reverse("candidate_list"),
        reverse("candidate_new"),
        reverse("candidate_detail", args=[candidate.pk]),
        reverse("candidate_edit", args=[candidate.pk]),
        reverse("candidate_application_add", args=[candidate.pk]),
        reverse("application_move", args=[application.pk]),
        reverse("outbox"),
        reverse("outbox") + "?owner=all",
        reverse("outbox_message", args=[message.pk]),
        reverse("template_list"),
        reverse("figures"),
        reverse("figure_trends"),
        reverse("team"),
        reverse("import_new"),
        reverse("import_progress", args=[run.pk]),
        reverse("search") + "?q=Priya",
        reverse("client_edit", args=[job.client_id]),
    ]
    candidate_pages = [links.status_page_url(candidate), links.unsubscribe_url(candidate)]
    return workspace, candidate_pages


def _check(page, axe, url: str, name: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SCREENSHOTS / f"a11y-{name}.png"), full_page=True)
    results = axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [node["target"] for node in violation["nodes"]][:3]
            found.append(f"{url}: {violation['id']} ({violation['impact']}): {violation['help']} {targets}")
    return found


@own_connection_closed
def test_every_workspace_and_candidate_page_has_no_serious_or_critical_violation(contexts, live_server, settings):
    from axe_playwright_python.sync_playwright import Axe

    settings.INLOOP_BASE_URL = live_server.url
    lead, application, message, run = _firm()
    workspace, candidate_pages = _pages(application, message, run)
    axe = Axe()
    page = contexts(viewport={"width": 1400, "height": 1000}).new_page()
    problems = _check(page, axe, f"{live_server.url}/login/", "login")
    page.fill("#id_username", "lena")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    for index, path in enumerate(workspace):
        problems += _check(page, axe, f"{live_server.url}{path}", f"workspace-{index:02}")
    anonymous = contexts(viewport={"width": 800, "height": 1000}).new_page()
    for index, url in enumerate(candidate_pages):
        problems += _check(anonymous, axe, url, f"candidate-{index:02}")

    assert problems == []
