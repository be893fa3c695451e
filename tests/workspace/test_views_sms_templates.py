"""The text message of each kind in the template editor: saved with the email, previewed live with its
segment count and encoding, the status link short; kinds that never go by text have no box."""

import pytest
from django.urls import reverse

from notifications.models import MessageTemplate
from recruiting.models import Role
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(db):
    return UserFactory(profile__role=Role.TEAM_LEAD)


def test_the_editor_previews_the_text_with_its_segments_and_encoding(client, lead):
    ApplicationFactory(candidate__owner=lead, owner=lead, candidate__first_name="Ifeoma")
    client.force_login(lead)
    page = client.get(reverse("template_edit", args=["check_in"]))
    assert page.context["sms_text"].startswith("Hi Ifeoma, no news yet")
    assert "/c/s/" in page.context["sms_text"] and "/c/status/" not in page.context["sms_text"]

    preview = client.post(
        reverse("template_preview", args=["check_in"]),
        {"subject": "x", "body_text": "x", "sms_body": "Hi {{ candidate_first_name }} ✓ " + "a" * 70},
    )
    assert (preview.context["sms_size"].encoding, preview.context["sms_size"].segments) == ("UCS-2", 2)
    assert "2 segments, UCS-2" in preview.content.decode()
    short = client.post(
        reverse("template_preview", args=["check_in"]),
        {"subject": "x", "body_text": "x", "sms_body": "Hi {{ candidate_first_name }}"},
    )
    assert "1 segment, GSM-7" in short.content.decode()


def test_a_lead_saves_the_text_and_a_bad_one_is_refused(client, lead):
    client.force_login(lead)
    url = reverse("template_edit", args=["offer"])
    refused = client.post(url, {"subject": "Offer", "body_text": "Dear", "sms_body": "{{ candidate.email }}"})
    assert refused.status_code == 400
    saved = client.post(url, {"subject": "Offer", "body_text": "Dear", "sms_body": "Offer for {{ job_title }}!"})
    assert saved.status_code == 302
    assert MessageTemplate.objects.get(code="offer").sms_body == "Offer for {{ job_title }}!"
    # A post without the box leaves the text as it is.
    client.post(url, {"subject": "Offer 2", "body_text": "Dear"})
    assert MessageTemplate.objects.get(code="offer").sms_body == "Offer for {{ job_title }}!"


def test_kinds_that_never_go_by_text_have_no_text_box(client, lead):
    client.force_login(lead)
    assert "sms_body" not in client.get(reverse("template_edit", args=["personal"])).context["form"].fields
    assert MessageTemplate.objects.get(code="personal").sms_body == ""
    assert MessageTemplate.objects.get(code="safety_net").sms_body


def test_a_short_status_link_is_masked_for_whoever_may_not_act_on_the_candidate(lead):
    from candidates import links
    from workspace.signed_links import signed_links_masked

    application = ApplicationFactory(candidate__owner=lead, owner=lead)
    text = f"Your news: {links.status_short_url(application.candidate)} today"
    assert signed_links_masked(text, viewer=lead) == text
    assert signed_links_masked(text, viewer=UserFactory()) == "Your news: [the candidate’s status link] today"
