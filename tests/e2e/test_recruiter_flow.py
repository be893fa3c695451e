"""The recruiter's day in a real browser: from an overdue candidate to a sent email and the candidate's reply.

Drives Debian's Chromium (/usr/bin/chromium) with Playwright against the live test server. Screenshots of
every page go to artifacts/screenshots/. Skipped when Chromium is missing, unless INLOOP_REQUIRE_SERVICES=1.
"""

import functools
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connections
from django.utils import timezone

from notifications.models import OutboundMessage
from recruiting.models import RecruiterPrompt, Stage, StageChange
from recruiting.services import application_clock_recompute
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
PASSWORD = "a-long-test-password"


@pytest.fixture
def browser(monkeypatch):
    if not CHROMIUM.exists():
        if settings.REQUIRE_SERVICES:
            pytest.fail("Chromium is required (INLOOP_REQUIRE_SERVICES=1) but /usr/bin/chromium is missing")
        pytest.skip("needs Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still plain sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def contexts(browser, live_server):
    """Browser contexts closed before the live server stops, so that no request thread keeps a connection."""
    opened = []

    def new_context(**options):
        context = browser.new_context(**options)
        opened.append(context)
        return context

    yield new_context
    for context in opened:
        context.close()


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process (the send after "send now", in the live server's thread): no worker needed."""
    from inloop.celery import app

    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


def own_connection_closed(test):
    """Close the database connection the test body opened, when it ends.

    With Playwright's sync API running, the test body sees a different context from its fixtures, so
    Django gives it a connection of its own that no fixture can reach; left open, it would keep the test
    database from being dropped at the end of the run.
    """

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        try:
            return test(*args, **kwargs)
        finally:
            connections.close_all()

    return wrapper


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@own_connection_closed
def test_recruiter_moves_an_overdue_candidate_and_the_candidate_asks_for_an_update(
    contexts, live_server, settings, eager_tasks
):
    settings.INLOOP_BASE_URL = live_server.url
    recruiter = UserFactory(username="rowan", first_name="Rowan", last_name="Ellery")
    job = JobFactory(owner=recruiter, title="Data Analyst", client=ClientFactory(name="Larchmont Analytics"))
    long_ago = timezone.now() - timedelta(days=12)
    application = ApplicationFactory(
        job=job,
        candidate__owner=recruiter,
        candidate__first_name="Priya",
        candidate__last_name="Valdés",
        candidate__email="priya.valdes@mail.example",
        owner=recruiter,
        stage=Stage.SUBMITTED,
        created_at=long_ago,
        stage_entered_at=long_ago,
    )
    application_clock_recompute(application=application)
    candidate_name = "Priya Valdés"
    promised = timezone.localdate() + timedelta(days=5)

    recruiter_page = contexts(viewport={"width": 1400, "height": 1000}).new_page()
    errors: list[str] = []
    recruiter_page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    # Sign in.
    recruiter_page.goto(f"{live_server.url}/login/")
    shot(recruiter_page, "01-login")
    recruiter_page.fill("#id_username", "rowan")
    recruiter_page.fill("#id_password", PASSWORD)
    recruiter_page.click("button[type=submit]")

    # The overdue candidate is at the top of the home page.
    overdue = recruiter_page.locator("section[aria-labelledby=overdue-title]")
    overdue.get_by_text(candidate_name).wait_for()
    assert "days without news" in overdue.inner_text()
    shot(recruiter_page, "02-home-overdue")

    # The job board, and the move form with its email preview.
    overdue.get_by_role("link", name="Data Analyst").click()
    recruiter_page.wait_for_url(f"**/jobs/{job.pk}/")
    card = recruiter_page.locator(f"article[data-application='{application.pk}']")
    assert "clock-overdue" in card.get_attribute("class")
    shot(recruiter_page, "03-job-board")
    card.get_by_role("link", name="Move…").click()
    modal = recruiter_page.locator("#action-modal")
    modal.locator("#id_to_stage").wait_for(state="visible")
    modal.locator("#id_to_stage").select_option(Stage.INTERVIEWING)
    modal.locator("#move-preview").get_by_text("Subject:").wait_for()
    modal.locator("#id_next_step_date").fill(promised.isoformat())
    modal.locator("#id_note").fill("First interview with the hiring manager.")
    preview = modal.locator("#move-preview").inner_text()
    assert "Priya" in preview
    shot(recruiter_page, "04-move-form-with-preview")
    modal.get_by_role("button", name="Move").click()
    recruiter_page.get_by_text(f"{candidate_name} moved to Client interview.").wait_for()
    shot(recruiter_page, "05-board-after-move")

    application.refresh_from_db()
    assert application.stage == Stage.INTERVIEWING
    assert application.promised_next_step_date == promised
    message = OutboundMessage.objects.get(application=application, template_code="interviewing")
    assert message.status == OutboundMessage.Status.HELD

    # Read the held email in the outbox and release it now.
    recruiter_page.goto(f"{live_server.url}/outbox/{message.pk}/")
    shot(recruiter_page, "06-outbox-held-message")
    recruiter_page.get_by_role("button", name="Send now").click()
    recruiter_page.get_by_text("Released: the message goes out now.").wait_for()
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    [email] = [sent for sent in mail.outbox if sent.to == ["priya.valdes@mail.example"]]
    shot(recruiter_page, "07-outbox-sent")

    # The candidate's timeline shows the stage change and the sent message.
    recruiter_page.goto(f"{live_server.url}/candidates/{application.candidate_id}/")
    timeline = recruiter_page.locator("#timeline")
    assert "Submitted to client → Client interview" in timeline.inner_text()
    assert "First interview with the hiring manager." in timeline.inner_text()
    sent_entry = timeline.locator("li.timeline-message", has_text=message.subject)
    assert "Sent" in sent_entry.inner_text()
    shot(recruiter_page, "08-candidate-timeline")
    assert StageChange.objects.filter(application=application, to_stage=Stage.INTERVIEWING, by=recruiter).exists()

    # The candidate follows the status link from the email and asks for an update.
    status_url = re.search(r"https?://\S+/c/status/[^\s/]+/", email.body).group(0)
    candidate_page = contexts().new_page()
    candidate_page.goto(status_url)
    candidate_page.get_by_text("Data Analyst").first.wait_for()
    shot(candidate_page, "09-candidate-status-page")
    candidate_page.get_by_role("button", name=re.compile("Ask my recruiter for an update")).click()
    candidate_page.get_by_text("we have asked your recruiter to send you an update").wait_for()
    shot(candidate_page, "10-candidate-asked")

    # The recruiter sees the new prompt.
    recruiter_page.goto(f"{live_server.url}/")
    owed = recruiter_page.locator("section[aria-labelledby=owed-title]")
    owed.get_by_text("Candidate asked for an update", exact=True).wait_for()
    assert candidate_name in owed.inner_text()
    shot(recruiter_page, "11-home-candidate-asked")
    assert RecruiterPrompt.objects.filter(
        application=application, reason=RecruiterPrompt.Reason.CANDIDATE_ASKED, resolved_at__isnull=True
    ).exists()
    assert not [error for error in errors if "Content Security Policy" in error], errors


@own_connection_closed
def test_every_workspace_page_renders_without_a_policy_violation(contexts, live_server, eager_tasks):
    """A team lead walks every page (screenshots for the record) and closes a job, watching its progress."""
    from notifications.services.templates import templates_install_defaults
    from recruiting.models import Job, Role

    # A transactional test database starts empty: put back the templates the data migration ships.
    templates_install_defaults()
    lead = UserFactory(username="morgan", first_name="Morgan", last_name="Achebe", profile__role=Role.TEAM_LEAD)
    job = JobFactory(owner=lead, title="Payroll Specialist", client=ClientFactory(name="Brightwater Homes"))
    for index in range(6):
        created = timezone.now() - timedelta(days=3 * index)
        application = ApplicationFactory(
            job=job,
            candidate__owner=lead,
            owner=lead,
            stage=[Stage.NEW, Stage.SCREENING, Stage.SUBMITTED][index % 3],
            created_at=created,
            stage_entered_at=created,
        )
        application_clock_recompute(application=application)
    page = contexts(viewport={"width": 1400, "height": 1000}).new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "morgan")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_text("Who needs an update").wait_for()
    # One click, answered in place.
    first_overdue = page.locator("section[aria-labelledby=overdue-title] tbody tr").first
    first_overdue.get_by_role("button", name="Log a call").click()
    first_overdue.get_by_text("logged; their clock starts again.").wait_for()
    shot(page, "12-home-call-logged-in-place")
    # Tick every overdue row (the page's own script) and send them all the check-in.
    boxes = page.locator("input[name=applications][form=bulk-check-in]")
    page.get_by_label("Tick all on this page").check()
    assert boxes.count() > 1
    assert page.locator("input[name=applications][form=bulk-check-in]:checked").count() == boxes.count()
    ticked = boxes.count()
    page.get_by_role("button", name="Send the check-in to everyone ticked").click()
    page.get_by_text(f"{ticked} check-ins in the outbox.").wait_for()

    for path, name, heading in [
        ("/jobs/", "13-jobs", "Jobs"),
        ("/candidates/", "14-candidates", "Candidates"),
        ("/search/?q=Brightwater", "15-search", "Search"),
        ("/outbox/", "16-outbox", "Outbox"),
        ("/templates/", "17-templates", "Email templates"),
        ("/templates/screening/", "18-template-edit", "Entered screening"),
        ("/figures/", "19-figures", "Keep-in-the-loop figures"),
        ("/candidates/import/", "20-import", "Import candidates from a CSV file"),
        ("/password/change/", "21-password-change", "Change your password"),
    ]:
        page.goto(live_server.url + path)
        page.get_by_role("heading", name=heading, exact=True).first.wait_for()
        shot(page, name)

    # Live preview while editing a template.
    page.goto(f"{live_server.url}/templates/screening/")
    page.fill("#id_subject", "An update from {{ recruiter_name }}")
    page.locator("#template-preview").get_by_text("An update from Morgan Achebe").wait_for()
    page.fill("#id_body_text", "{{ not_a_field }}")
    page.locator("#template-preview").get_by_text("cannot be saved yet").wait_for()
    shot(page, "22-template-live-preview-error")

    # Close the job and watch the progress page finish.
    page.goto(f"{live_server.url}/jobs/{job.pk}/close/")
    page.get_by_label("Yes, close this job").check()
    page.get_by_role("button", name="Close the job").click()
    page.get_by_text("Done: 6 applications closed.").wait_for()
    shot(page, "23-job-closed")
    job.refresh_from_db()
    assert job.status == Job.Status.CLOSED
    assert not violations, violations
