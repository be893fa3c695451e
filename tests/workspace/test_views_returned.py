"""A message sent back to its recruiter because a date it states has passed: seen, edited, cancelled."""

import pytest
from django.urls import reverse

from notifications.models import OutboundMessage
from tests.factories import ApplicationFactory, CandidateFactory, OutboundMessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned(recruiter):
    application = ApplicationFactory(owner=recruiter, candidate=CandidateFactory(owner=recruiter))
    return OutboundMessageFactory(
        application=application,
        candidate=application.candidate,
        status=OutboundMessage.Status.RETURNED,
        status_reason="Not sent: it says Friday 20 November 2026, which has passed. Edit the date, or cancel it.",
    )


def test_the_home_page_and_the_outbox_list_the_returned_message(client, recruiter, returned):
    client.force_login(recruiter)
    assert "Friday 20 November 2026, which has passed" in client.get(reverse("home")).content.decode()
    assert returned.subject in client.get(reverse("outbox")).content.decode()


def test_its_recruiter_edits_it_back_to_held(client, recruiter, returned):
    client.force_login(recruiter)
    url = reverse("outbox_message", args=[returned.pk])
    page = client.get(url).content.decode()
    assert "Save changes" in page and "Cancel it" in page and "Send now" not in page

    client.post(url, {"subject": "News", "body_text": "Hello,\n\nWe expect news by Monday 7 December 2026.\n"})

    returned.refresh_from_db()
    assert returned.status == OutboundMessage.Status.HELD and returned.edited_at is not None
