"""Texts in a real browser, against the fake Twilio server: the recruiter turns texts on for a candidate
who agreed on the phone, a move sends them a text, the candidate answers it (a signed inbound webhook),
and the reply is owed on the home page. Chromium and screenshots as in test_recruiter_flow."""

import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import OutboundMessage
from recruiting.models import ContactEvent, Stage
from recruiting.services import application_clock_recompute
from tests.e2e.test_recruiter_flow import PASSWORD, browser, contexts, eager_tasks, own_connection_closed, shot
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory
from tests.support.fake_twilio import FakeTwilio

pytestmark = pytest.mark.e2e
__all__ = ["browser", "contexts", "eager_tasks"]  # fixtures shared with the recruiter's flow
NUMBER = "+447911123456"


@pytest.fixture
def fake_twilio(settings):
    with FakeTwilio() as twilio:
        settings.INLOOP_SMS_BACKEND = "twilio"
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = twilio.account_sid, twilio.auth_token
        settings.TWILIO_FROM_NUMBER, settings.TWILIO_MESSAGING_SERVICE_SID = "+447700900000", ""
        settings.TWILIO_API_BASE_URL, settings.INLOOP_SMS_TIMEOUT = twilio.base_url, 5
        yield twilio


def _candidate_texts_back(twilio: FakeTwilio, url: str, body: str) -> int:
    """What Twilio posts when the candidate answers: the text, signed with the account's token."""
    params = {"MessageSid": "SM" + "b" * 32, "AccountSid": twilio.account_sid, "From": NUMBER, "To": "+447700900000"}
    params["Body"] = body
    request = urllib.request.Request(  # noqa: S310 (the live server's URL)
        url,
        data=urllib.parse.urlencode(params).encode(),
        headers={"X-Twilio-Signature": twilio.signature(url, params)},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the live server's URL)
        return response.status


@own_connection_closed
def test_a_move_texts_the_candidate_and_their_answer_is_owed(contexts, live_server, settings, eager_tasks, fake_twilio):
    settings.INLOOP_BASE_URL = live_server.url
    recruiter = UserFactory(username="rowan", first_name="Rowan", last_name="Ellery")
    job = JobFactory(owner=recruiter, title="Data Analyst", client=ClientFactory(name="Larchmont Analytics"))
    long_ago = timezone.now() - timedelta(days=4)
    application = ApplicationFactory(
        job=job,
        candidate__owner=recruiter,
        candidate__first_name="Priya",
        candidate__last_name="Valdés",
        owner=recruiter,
        stage=Stage.SUBMITTED,
        created_at=long_ago,
        stage_entered_at=long_ago,
    )
    application_clock_recompute(application=application)
    page = contexts(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rowan")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    # Texts on, with the consent she gave on the phone.
    page.goto(f"{live_server.url}/candidates/{application.candidate_id}/")
    form = page.locator("#texts-form")
    form.locator("#id_mobile").fill("07911 123456")
    form.locator("#id_channel").select_option("sms")
    form.locator("#id_consent_how").select_option("spoken")
    form.get_by_role("button", name="Save text settings").click()
    page.get_by_text("Text message settings saved.").wait_for()
    shot(page, "40-texts-on")

    # A move owes her news: it goes by text.
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    page.locator(f"article[data-application='{application.pk}']").get_by_role("link", name="Move…").click()
    modal = page.locator("#action-modal")
    modal.locator("#id_to_stage").wait_for(state="visible")
    modal.locator("#id_to_stage").select_option(Stage.INTERVIEWING)
    modal.get_by_role("button", name="Move").click()
    page.get_by_text("moved to Client interview.").wait_for()
    text = OutboundMessage.objects.get(application=application, template_code="interviewing")
    assert (text.channel, text.to_number) == ("sms", NUMBER)
    page.goto(f"{live_server.url}/outbox/{text.pk}/")
    assert page.locator("#message-channel").inner_text() == "Text message"
    page.get_by_role("button", name="Send now").click()
    page.get_by_text("Released: the message goes out now.").wait_for()
    [sent] = fake_twilio.received
    assert sent.to == NUMBER and "Priya" in sent.body and f"{live_server.url}/c/s/" in sent.body

    # She answers the text; the home page owes her a reply, in her words.
    assert _candidate_texts_back(fake_twilio, f"{live_server.url}/n/texts/inbound/", "Great, Tuesday suits me") == 200
    assert ContactEvent.objects.filter(application=application, channel="sms", direction="inbound").exists()
    page.goto(f"{live_server.url}/")
    owed = page.locator("section[aria-labelledby=owed-title]")
    owed.get_by_text("The candidate replied to our text message. Please answer them.").wait_for()
    assert "Great, Tuesday suits me" in owed.inner_text()
    shot(page, "41-home-text-reply-owed")
