"""A reply in a real browser: the recruiter sends a check-in, the candidate's reply comes back to its reply
address, the home page shows it owed, the recruiter answers it, the prompt settles and the timeline shows
both. Chromium and screenshots as in test_recruiter_flow."""

from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import InboundMessage, OutboundMessage
from notifications.services.inbound import inbound_email_receive
from recruiting.models import FirmSettings, RecruiterPrompt, Stage
from recruiting.services import application_clock_recompute
from tests.e2e.test_recruiter_flow import PASSWORD, browser, contexts, eager_tasks, own_connection_closed, shot
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory

pytestmark = pytest.mark.e2e
__all__ = ["browser", "contexts", "eager_tasks"]  # fixtures shared with the recruiter's flow

DOMAIN = "reply.larchmont.example"


def _candidate_reply(sent_email) -> bytes:
    """What the candidate's mail client sends back: to the Reply-To, quoting our message."""
    reply = EmailMessage()
    reply["From"] = "Priya Valdés <priya.valdes@mail.example>"
    reply["To"] = sent_email.reply_to[0]
    reply["Subject"] = f"Re: {sent_email.subject}"
    reply["In-Reply-To"] = sent_email.extra_headers["Message-ID"]
    quoted = "\n".join(f"> {line}" for line in sent_email.body.splitlines())
    reply.set_content(
        "Thanks for letting me know. Is there anything I can prepare for the next round?\n\n"
        f"On Tue, 3 Nov 2026 at 10:00, Rowan Ellery via Larchmont <{sent_email.reply_to[0]}> wrote:\n{quoted}\n"
    )
    return reply.as_bytes()


@own_connection_closed
def test_a_candidates_reply_is_owed_then_answered(contexts, live_server, settings, eager_tasks):
    settings.INLOOP_BASE_URL = live_server.url
    settings.INLOOP_REPLY_DOMAIN = DOMAIN
    settings.DEFAULT_FROM_EMAIL = "Larchmont Talent <talent@larchmont.example>"
    FirmSettings.objects.create(
        pk=FirmSettings.SINGLETON_PK, firm_name="Larchmont Talent", sending_name="Larchmont Talent"
    )
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

    page = contexts(viewport={"width": 1400, "height": 1000}).new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rowan")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    # The recruiter sends the check-in from the home page and releases it from the outbox.
    overdue = page.locator("section[aria-labelledby=overdue-title]")
    overdue.get_by_role("button", name="Send check-in").click()
    overdue.get_by_text("is in the outbox").wait_for()
    check_in = OutboundMessage.objects.get(application=application, template_code="check_in")
    page.goto(f"{live_server.url}/outbox/{check_in.pk}/")
    page.get_by_role("button", name="Send now").click()
    page.get_by_text("Released: the message goes out now.").wait_for()
    [sent] = [email for email in mail.outbox if email.to == ["priya.valdes@mail.example"]]
    assert sent.reply_to[0].startswith("reply+") and sent.reply_to[0].endswith(f"@{DOMAIN}")
    assert parseaddr(sent.from_email) == ("Rowan Ellery via Larchmont Talent", "talent@larchmont.example")
    shot(page, "20-check-in-sent")

    # The candidate's reply comes back to the reply address.
    inbound = inbound_email_receive(raw_bytes=_candidate_reply(sent), source="pipe")
    assert inbound.status == InboundMessage.Status.ACCEPTED and inbound.message_id == check_in.pk

    # The home page shows it owed, with the candidate's words and nothing of the quote.
    page.goto(f"{live_server.url}/")
    owed = page.locator("section[aria-labelledby=owed-title]")
    owed.get_by_text("The candidate wrote: a reply is owed").wait_for()
    assert "anything I can prepare for the next round?" in owed.inner_text()
    assert inbound.text == "Thanks for letting me know. Is there anything I can prepare for the next round?"
    shot(page, "21-home-reply-owed")

    # The recruiter answers from there: the email form comes prefilled with the application and subject.
    owed.get_by_role("link", name="Answer by email").click()
    page.wait_for_url(f"**/candidates/{application.candidate_id}/?answer={application.pk}*")
    assert page.locator("#email-form #id_subject").input_value() == f"Re: {sent.subject}"
    assert page.locator("#email-form #id_application").input_value() == str(application.pk)
    body = page.locator("#email-form #id_body")
    body.fill(body.input_value().replace("\n\n", "\n\nA short case study on dashboards would help.\n\n", 1))
    shot(page, "22-answer-form")
    page.get_by_role("button", name="Put it in the outbox").click()
    page.get_by_text("Your email is in the outbox").wait_for()

    answer = OutboundMessage.objects.get(application=application, template_code="personal")
    assert answer.status == OutboundMessage.Status.SENT
    prompt = RecruiterPrompt.objects.get(application=application, reason=RecruiterPrompt.Reason.REPLY_OWED)
    assert prompt.resolved_at is not None

    # The timeline shows the reply and the answer; the home page owes nothing any more.
    page.goto(f"{live_server.url}/candidates/{application.candidate_id}/")
    timeline = page.locator("#timeline")
    reply_entry = timeline.locator("li.timeline-contact", has_text="Reply by email")
    assert "from the candidate" in reply_entry.inner_text()
    assert "anything I can prepare" in reply_entry.inner_text()
    answer_entry = timeline.locator("li.timeline-message", has_text=answer.subject)
    assert "Sent" in answer_entry.inner_text()
    shot(page, "23-timeline-reply-and-answer")
    page.goto(f"{live_server.url}/")
    owed_now = page.locator("section[aria-labelledby=owed-title]").inner_text()
    assert "The candidate wrote: a reply is owed" not in owed_now
    assert not [error for error in errors if "Content Security Policy" in error], errors
