"""In a real browser: what the status page says of a late update and of a late rejection, and "Write feedback".

Uses the Chromium set-up of test_recruiter_flow.py (skipped without /usr/bin/chromium unless required).
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from candidates import links
from notifications.models import OutboundMessage
from recruiting.models import RecruiterPrompt, Stage
from recruiting.services import application_clock_recompute, application_move
from tests.e2e.test_recruiter_flow import (  # noqa: F401 (fixtures)
    PASSWORD,
    browser,
    contexts,
    eager_tasks,
    own_connection_closed,
    shot,
)
from tests.factories import ApplicationFactory, CandidateFactory, ClientFactory, JobFactory, PromptFactory, UserFactory

pytestmark = pytest.mark.e2e
DAY = re.compile(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) (\d{1,2}) (\w+) (\d{4})")


def _dates_on(text: str) -> list:
    from datetime import datetime

    return [datetime.strptime(" ".join(match), "%A %d %B %Y").date() for match in DAY.findall(text)]


@own_connection_closed
def test_the_status_page_tells_the_truth_and_write_feedback_starts_from_the_template(
    contexts,  # noqa: F811 (the fixtures imported above)
    live_server,
    settings,
    eager_tasks,  # noqa: F811
):
    settings.INLOOP_BASE_URL = live_server.url
    recruiter = UserFactory(username="rowan", first_name="Rowan", last_name="Ellery")
    candidate = CandidateFactory(owner=recruiter, first_name="Priya", last_name="Valdés", email="priya@mail.example")
    told = timezone.now() - timedelta(days=12)
    late = ApplicationFactory(
        candidate=candidate,
        owner=recruiter,
        job=JobFactory(owner=recruiter, title="Data Analyst", client=ClientFactory(name="Larchmont Analytics")),
        stage=Stage.SUBMITTED,
        created_at=told,
        stage_entered_at=told,
        last_informed_at=told,
        promised_next_step_date=(told + timedelta(days=2)).date(),
    )
    application_clock_recompute(application=late)
    PromptFactory(application=late, reason="overdue", escalated_at=timezone.now())
    rejected = ApplicationFactory(
        candidate=candidate,
        owner=recruiter,
        job=JobFactory(owner=recruiter, title="Payroll Lead", client=ClientFactory(name="Northwind Ledger")),
        stage=Stage.SCREENING,
    )
    application_move(application=rejected, to_stage=Stage.INTERVIEWING, by=recruiter, notify=False)
    application_move(application=rejected, to_stage=Stage.REJECTED, by=recruiter)
    feedback = RecruiterPrompt.objects.get(application=rejected, reason="feedback_owed")
    today = timezone.localdate()

    # The candidate's page: the late update said plainly, and no date in the past anywhere but history.
    candidate_page = contexts().new_page()
    candidate_page.goto(links.status_page_url(candidate))
    late_card = candidate_page.locator("article", has_text="Data Analyst")
    late_card.get_by_text("Your update is late. We have reminded Rowan Ellery and their team lead.").wait_for()
    late_text = late_card.inner_text()
    assert "at the latest" in late_text
    last_update, *promises = _dates_on(late_text)
    assert promises and all(day >= today for day in promises)
    rejected_card = candidate_page.locator("article", has_text="Payroll Lead")
    due = timezone.localtime(feedback.due_at).date()
    personal = (
        "Your recruiter, Rowan Ellery, will be in touch with you personally about this application by "
        f"{due:%A} {due.day} {due:%B %Y}."
    )
    rejected_card.get_by_text(personal).wait_for()
    assert "Not going ahead" not in rejected_card.inner_text()
    shot(candidate_page, "30-status-late-and-feedback-owed")

    # The recruiter: "Write feedback" on the home page opens the email, started from the template.
    page = contexts(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rowan")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    owed = page.locator("section[aria-labelledby=owed-title]")
    owed.get_by_role("link", name="Write feedback").click()
    page.wait_for_url(f"**/candidates/{candidate.pk}/?write_feedback={rejected.pk}*")
    form = page.locator("#email-form")
    assert form.locator("#id_subject").input_value() == "Your application for Payroll Lead: the client's decision"
    body = form.locator("#id_body").input_value()
    assert body.startswith("Hello Priya,") and "Northwind Ledger" in body and "Fewer emails" not in body
    assert form.locator("#id_application").input_value() == str(rejected.pk)
    shot(page, "31-write-feedback-prefilled")
    form.locator("#id_body").fill(
        body.replace("(Write the client's feedback here, in your own words.)", "They went with more SQL experience.")
    )
    form.get_by_role("button", name="Put it in the outbox").click()
    page.get_by_text("Your email is in the outbox").wait_for()

    sent = OutboundMessage.objects.get(application=rejected, template_code="personal")
    assert sent.status == OutboundMessage.Status.SENT
    [email] = [each for each in mail.outbox if each.to == ["priya@mail.example"]]
    assert "They went with more SQL experience." in email.body and email.body.count("Fewer emails") == 1
    feedback.refresh_from_db()
    assert feedback.resolved_at is not None

    # Told in person: the page now says how it ended, and no longer promises a message.
    candidate_page.reload()
    rejected_card = candidate_page.locator("article", has_text="Payroll Lead")
    rejected_card.get_by_text("Not going ahead").wait_for()
    assert "will be in touch with you personally" not in rejected_card.inner_text()
    shot(candidate_page, "32-status-after-feedback")
