"""Replies in the workspace: owed on the home page, on the candidate's timeline, in the outbox's Replies
tab; answered from where they are shown."""

from email.message import EmailMessage

import pytest
from django.urls import reverse

from candidates.services.data_rights import candidate_erase, candidate_export
from notifications.models import InboundMessage
from notifications.services.inbound import inbound_email_receive
from notifications.services.reply_addresses import reply_address
from notifications.services.sending import messages_send_due
from recruiting.models import RecruiterPrompt
from tests.factories import ApplicationFactory, CandidateFactory, OutboundMessageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reply_domain(settings):
    settings.INLOOP_REPLY_DOMAIN = "reply.northwind.example"


def _sent(recruiter, email="ana@mail.example"):
    application = ApplicationFactory(candidate=CandidateFactory(owner=recruiter, email=email))
    return OutboundMessageFactory(application=application, status="sent", message_id=f"<m{application.pk}@x>")


def _reply(message, *, sender="ana@mail.example", subject="Re: Your application", text="When will I hear back?"):
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = sender, reply_address(message.pk), subject
    email.set_content(text)
    return inbound_email_receive(raw_bytes=email.as_bytes(), source="pipe")


def test_the_home_page_shows_the_reply_owed_with_its_words_and_an_answer_button(client, recruiter):
    message = _sent(recruiter)
    _reply(message)
    client.force_login(recruiter)
    page = client.get(reverse("home")).content.decode()
    assert "The candidate wrote: a reply is owed" in page
    assert "When will I hear back?" in page
    answer = f"{reverse('candidate_detail', args=[message.candidate_id])}?answer={message.application_id}#email-form"
    assert f'href="{answer}"' in page
    # The owed row offers no automated check-in (it would answer nothing), but a call can be logged.
    owed_section = page.split('id="owed-title"')[1].split("</section>")[0]
    assert "Send check-in" not in owed_section and "Log a call" in owed_section


def test_answering_from_the_candidate_page_prefills_the_email_and_settles_the_reply(client, recruiter):
    message = _sent(recruiter)
    _reply(message, subject="Question about the interview")
    client.force_login(recruiter)
    url = reverse("candidate_detail", args=[message.candidate_id])
    response = client.get(url, {"answer": message.application_id})
    form = response.context["email_form"]
    assert form.initial["application"] == message.application_id
    assert form.initial["subject"] == "Re: Question about the interview"
    page = response.content.decode()
    assert "Reply by email</strong>" in page and "from the candidate" in page
    assert f'href="?answer={message.application_id}#email-form"' in page

    response = client.post(
        reverse("candidate_email", args=[message.candidate_id]),
        {
            "application": message.application_id,
            "subject": form.initial["subject"],
            "body": "Hello Ana, the client decides on Friday.",
            "send_token": "4a0c5d2e-5e2c-4bb8-9d4e-0c3fb0c2a111",
        },
    )
    assert response.status_code == 302
    assert messages_send_due().sent == 1
    prompt = RecruiterPrompt.objects.get(application=message.application, reason="reply_owed")
    assert prompt.resolved_at is not None


def test_a_reply_from_another_address_is_marked_on_the_timeline(client, recruiter):
    message = _sent(recruiter)
    _reply(message, sender="assistant@agency.example")
    client.force_login(recruiter)
    page = client.get(reverse("candidate_detail", args=[message.candidate_id])).content.decode()
    assert "from assistant@agency.example" in page and "not the candidate&#x27;s address" in page


def test_someone_elses_candidate_page_offers_no_answer_link(client, recruiter):
    message = _sent(UserFactory())
    _reply(message)
    client.force_login(recruiter)
    response = client.get(reverse("candidate_detail", args=[message.candidate_id]), {"answer": message.application_id})
    assert "?answer=" not in response.content.decode()
    assert "subject" not in response.context["email_form"].initial


def test_the_outbox_replies_tab_lists_matched_and_unmatched_emails(client, recruiter):
    message = _sent(recruiter)
    _reply(message)
    stray = EmailMessage()
    stray["From"], stray["To"], stray["Subject"] = "someone@elsewhere.example", "jobs@x.example", "Any jobs?"
    stray.set_content("Hello")
    inbound_email_receive(raw_bytes=stray.as_bytes(), source="pipe")
    client.force_login(recruiter)
    page = client.get(reverse("outbox_replies")).content.decode()
    assert "When will I hear back?" in page and "Any jobs?" in page
    assert "Not matched: it answers no message of ours" in page
    rejected = client.get(reverse("outbox_replies"), {"status": "rejected"}).content.decode()
    assert "Any jobs?" in rejected and "When will I hear back?" not in rejected
    assert client.get(reverse("outbox_replies"), {"status": "nonsense"}).status_code == 404
    assert 'href="/outbox/replies/"' in client.get(reverse("outbox")).content.decode()


def test_the_replies_pages_cost_the_same_queries_with_many_replies(client, recruiter, django_assert_max_num_queries):
    for index in range(30):
        _reply(_sent(recruiter, email=f"c{index}@mail.example"), sender=f"c{index}@mail.example")
    client.force_login(recruiter)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("outbox_replies")).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(reverse("home")).status_code == 200
    assert InboundMessage.objects.count() == 30


def test_an_erasure_empties_the_replies(admin_user, recruiter):
    message = _sent(recruiter)
    inbound = _reply(message)
    candidate_erase(candidate=message.candidate, by=admin_user)
    inbound.refresh_from_db()
    assert (inbound.text, inbound.subject, inbound.sender, bytes(inbound.raw)) == ("", "", "", b"")


def test_an_export_lists_the_replies(admin_user, recruiter):
    message = _sent(recruiter)
    _reply(message)
    data = candidate_export(candidate=message.candidate, by=admin_user)
    assert [(r["from"], r["text"], r["status"]) for r in data["replies"]] == [
        ("ana@mail.example", "When will I hear back?", "accepted")
    ]


def test_the_admin_shows_received_emails_read_only(client, admin_user, recruiter):
    inbound = _reply(_sent(recruiter), text="<script>alert(1)</script> When?")
    client.force_login(admin_user)
    listing = client.get(reverse("admin:notifications_inboundmessage_changelist"))
    assert listing.status_code == 200 and "Re: Your application" in listing.content.decode()
    detail = client.get(reverse("admin:notifications_inboundmessage_change", args=[inbound.pk])).content.decode()
    assert "Raw source" in detail and "<script>alert(1)</script>" not in detail
    assert client.post(reverse("admin:notifications_inboundmessage_delete", args=[inbound.pk])).status_code == 403


def test_a_reply_written_as_html_is_shown_as_text_everywhere(client, recruiter):
    message = _sent(recruiter)
    _reply(message, text='<img src=x onerror="alert(1)"> Is the job remote?')
    client.force_login(recruiter)
    for url in (
        reverse("home"),
        reverse("outbox_replies"),
        reverse("candidate_detail", args=[message.candidate_id]),
    ):
        page = client.get(url).content.decode()
        assert "Is the job remote?" in page and "<img src=x" not in page
