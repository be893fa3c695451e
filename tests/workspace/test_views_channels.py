"""Each message's channel on the recruiter's pages: the outbox list, the message page, the candidate's
timeline, and a reply by text owed on the home page."""

import pytest
from django.urls import reverse

from notifications.texts.inbound import inbound_text_receive
from tests.factories import ApplicationFactory, OutboundMessageFactory

pytestmark = pytest.mark.django_db
NUMBER = "+447911123456"


@pytest.fixture
def text(recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, owner=recruiter, candidate__mobile=NUMBER)
    return OutboundMessageFactory(
        application=application, channel="sms", to_number=NUMBER, to_address="", subject="Interview", status="held"
    )


def test_the_outbox_and_the_message_page_show_the_channel(client, recruiter, text):
    client.force_login(recruiter)
    listing = client.get(reverse("outbox")).content.decode()
    assert "<td>Text message</td>" in listing
    page = client.get(reverse("outbox_message", args=[text.pk])).content.decode()
    assert 'id="message-channel">Text message<' in page and f"({NUMBER})" in page


def test_the_timeline_shows_a_text_as_a_text(client, recruiter, text):
    client.force_login(recruiter)
    page = client.get(reverse("candidate_detail", args=[text.candidate_id])).content.decode()
    assert "<strong>Text message:</strong>" in page


def test_a_reply_by_text_is_owed_on_the_home_page_with_its_words(client, recruiter, text):
    inbound_text_receive(provider_id="SM1", from_number=NUMBER, to_number="+447700900000", body="Friday works")
    client.force_login(recruiter)
    page = client.get(reverse("home")).content.decode()
    assert "The candidate replied to our text message. Please answer them." in page
    assert "Friday works" in page


@pytest.mark.parametrize(("channel", "email_shown"), [("sms", False), ("both", True)])
def test_the_move_preview_shows_the_text_a_candidate_on_texts_gets(client, recruiter, channel, email_shown):
    from candidates.services.texts import candidate_texts_set
    from recruiting.models import Stage

    application = ApplicationFactory(candidate__owner=recruiter, owner=recruiter, stage=Stage.SUBMITTED)
    candidate_texts_set(
        candidate=application.candidate, by=recruiter, mobile=NUMBER, channel=channel, consent_how="spoken"
    )
    client.force_login(recruiter)
    page = client.get(
        reverse("application_move_preview", args=[application.pk]), {"to_stage": Stage.INTERVIEWING}
    ).content.decode()
    assert 'id="move-text-preview"' in page and ("1 segment," in page or "2 segments," in page)
    assert ("Subject:" in page) is email_shown
    assert ("instead of an email" in page) is not email_shown
