"""The outbox page (held, scheduled, failed, unknown, suppressed) and the template editor with live preview."""

import pytest
from django.urls import reverse

from notifications.models import MessageTemplate, OutboundMessage
from notifications.services.messages import message_check_in_queue
from recruiting.models import Role
from tests.factories import ApplicationFactory, OutboundMessageFactory, UserFactory

pytestmark = pytest.mark.django_db


def held_message(owner):
    application = ApplicationFactory(candidate__owner=owner, owner=owner)
    return message_check_in_queue(application=application, by=owner)


def message_with_status(owner, status, reason="", key="1"):
    application = ApplicationFactory(candidate__owner=owner, owner=owner)
    return OutboundMessageFactory(
        application=application, status=status, status_reason=reason, idempotency_key=f"test:{status}:{key}"
    )


def test_the_outbox_lists_what_needs_a_look_with_reasons(client, recruiter):
    held = held_message(recruiter)
    failed = message_with_status(recruiter, "failed", "The address does not exist.")
    unknown = message_with_status(recruiter, "unknown", "The connection dropped after the hand-over.")
    suppressed = message_with_status(recruiter, "suppressed", "The candidate paused automated updates.")
    sent = message_with_status(recruiter, "sent")
    client.force_login(recruiter)

    response = client.get(reverse("outbox"))

    assert set(response.context["messages_page"].items) == {held, failed, unknown, suppressed}
    assert sent not in response.context["messages_page"].items
    page = response.content.decode()
    for reason in ("The address does not exist.", "The connection dropped", "paused automated updates"):
        assert reason in page
    only_failed = client.get(reverse("outbox"), {"status": "failed"})
    assert only_failed.context["messages_page"].items == [failed]
    assert client.get(reverse("outbox"), {"status": "nonsense"}).status_code == 404


def test_the_outbox_costs_the_same_queries_at_60_messages(client, recruiter, django_assert_max_num_queries):
    for index in range(60):
        message_with_status(recruiter, "held", key=str(index))
    client.force_login(recruiter)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("outbox"))

    assert len(response.context["messages_page"].items) == 25


def test_edit_a_held_message(client, recruiter):
    message = held_message(recruiter)
    client.force_login(recruiter)

    response = client.post(
        reverse("outbox_message", args=[message.pk]), {"subject": "A quick word", "body_text": "Still with us."}
    )

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.subject == "A quick word"
    assert message.body_text.strip() == "Still with us."


def test_an_empty_edit_shows_the_error(client, recruiter):
    message = held_message(recruiter)
    client.force_login(recruiter)

    response = client.post(reverse("outbox_message", args=[message.pk]), {"subject": "", "body_text": ""})

    assert response.status_code == 400
    assert response.context["form"].errors["subject"]


def test_send_now_releases_a_held_message(client, recruiter, django_capture_on_commit_callbacks):
    message = held_message(recruiter)
    client.force_login(recruiter)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("outbox_send_now", args=[message.pk]))

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.QUEUED
    assert len(callbacks) == 1


def test_cancel_a_held_message(client, recruiter):
    message = held_message(recruiter)
    client.force_login(recruiter)

    client.post(reverse("outbox_cancel", args=[message.pk]))

    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.CANCELLED


def test_retry_a_failed_message_and_refuse_retrying_a_held_one(client, recruiter):
    failed = message_with_status(recruiter, "failed", "Mailbox full")
    held = held_message(recruiter)
    client.force_login(recruiter)

    client.post(reverse("outbox_retry", args=[failed.pk]))
    refused = client.post(reverse("outbox_retry", args=[held.pk]), follow=True)

    failed.refresh_from_db()
    assert failed.status == OutboundMessage.Status.QUEUED
    assert "Only a failed message" in refused.content.decode()
    held.refresh_from_db()
    assert held.status == OutboundMessage.Status.HELD


@pytest.mark.parametrize("name", ["outbox_send_now", "outbox_cancel", "outbox_retry"])
def test_a_recruiter_cannot_act_on_another_recruiters_message(client, recruiter, name):
    message = message_with_status(UserFactory(), "failed") if name == "outbox_retry" else held_message(UserFactory())
    before = message.status
    client.force_login(recruiter)

    response = client.post(reverse(name, args=[message.pk]))

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == before


def test_a_recruiter_cannot_edit_another_recruiters_message(client, recruiter):
    message = held_message(UserFactory())
    client.force_login(recruiter)

    response = client.post(reverse("outbox_message", args=[message.pk]), {"subject": "Mine", "body_text": "Now"})

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.subject != "Mine"


@pytest.mark.parametrize("name", ["outbox_message", "outbox_send_now", "outbox_cancel", "outbox_retry"])
def test_unknown_messages_and_digests_are_404(client, recruiter, name):
    digest = OutboundMessage.objects.create(
        recipient_user=UserFactory(),
        template_code="digest",
        subject="Your morning list",
        body_text="Hello",
        to_address="lead@firm.example",
        idempotency_key="test:digest",
    )
    client.force_login(recruiter)
    assert client.post(reverse(name, args=[999999])).status_code == 404
    assert client.post(reverse(name, args=[digest.pk])).status_code == 404


# --- templates ---------------------------------------------------------------------------------------


@pytest.fixture
def lead(db):
    return UserFactory(profile__role=Role.TEAM_LEAD)


def test_the_template_list_shows_every_template(client, recruiter):
    client.force_login(recruiter)
    response = client.get(reverse("template_list"))
    assert {t.code for t in response.context["templates"]} == set(MessageTemplate.Code.values)


def test_the_editor_previews_with_a_real_application(client, lead):
    application = ApplicationFactory(candidate__owner=lead, owner=lead, candidate__first_name="Ifeoma")
    client.force_login(lead)

    response = client.get(reverse("template_edit", args=["screening"]))

    assert response.context["application"] == application
    assert "Ifeoma" in response.context["preview"].body_text


def test_the_live_preview_renders_unsaved_text(client, lead):
    application = ApplicationFactory(candidate__owner=lead, owner=lead, candidate__first_name="Ifeoma")
    client.force_login(lead)

    response = client.post(
        reverse("template_preview", args=["screening"]),
        {
            "application": application.pk,
            "subject": "Hi {{ candidate_first_name }}",
            "body_text": "Dear {{ candidate_first_name }}",
        },
        headers={"HX-Request": "true"},
    )

    page = response.content.decode()
    assert "Hi Ifeoma" in page
    assert "<html" not in page


def test_the_live_preview_shows_validation_errors_inline(client, lead):
    ApplicationFactory(candidate__owner=lead, owner=lead)
    client.force_login(lead)

    response = client.post(
        reverse("template_preview", args=["screening"]),
        {"subject": "Hi", "body_text": "{{ secret_key }} {% load static %}"},
    )

    assert response.context["problems"]
    assert "cannot be saved yet" in response.content.decode()


def test_a_lead_saves_a_template_and_an_invalid_one_is_refused_with_the_reason(client, lead):
    client.force_login(lead)
    url = reverse("template_edit", args=["check_in"])

    refused = client.post(url, {"subject": "Hello", "body_text": "{{ candidate.email }}"})
    assert refused.status_code == 400
    assert refused.context["form"].errors
    assert MessageTemplate.objects.get(code="check_in").body_text != "{{ candidate.email }}"

    saved = client.post(url, {"subject": "Still here", "body_text": "Dear {{ candidate_first_name }}"})
    assert saved.status_code == 302
    template = MessageTemplate.objects.get(code="check_in")
    assert (template.subject, template.updated_by) == ("Still here", lead)


def test_a_recruiter_may_read_but_not_change_templates(client, recruiter):
    client.force_login(recruiter)
    url = reverse("template_edit", args=["check_in"])
    assert client.get(url).status_code == 200

    response = client.post(url, {"subject": "Mine", "body_text": "Dear {{ candidate_first_name }}"})

    assert response.status_code == 403
    assert MessageTemplate.objects.get(code="check_in").subject != "Mine"


def test_an_unknown_template_is_404(client, recruiter):
    client.force_login(recruiter)
    assert client.get(reverse("template_edit", args=["nothing"])).status_code == 404


def test_a_preview_never_uses_an_application_the_user_may_not_act_on(client, lead):
    theirs = ApplicationFactory(candidate__first_name="Oluwaseun")
    mine = ApplicationFactory(candidate__owner=lead, owner=lead, candidate__first_name="Henrike")
    client.force_login(lead)

    asked_for_theirs = client.post(
        reverse("template_preview", args=["screening"]),
        {"application": theirs.pk, "subject": "Hi {{ candidate_first_name }}", "body_text": "x"},
    )
    default = client.get(reverse("template_edit", args=["screening"]))

    assert asked_for_theirs.context["application"] is None
    assert "Oluwaseun" not in asked_for_theirs.content.decode()
    assert default.context["application"] == mine


def test_a_lead_puts_back_the_original_text_and_a_recruiter_may_not(client, lead, recruiter):
    from notifications.services.templates import template_default_parts, template_update

    template = MessageTemplate.objects.get(code="offer")
    template_update(template=template, subject="Changed", body_text="Dear {{ candidate_first_name }}", by=lead)

    client.force_login(recruiter)
    assert client.post(reverse("template_reset", args=["offer"])).status_code == 403
    client.force_login(lead)
    assert client.post(reverse("template_reset", args=["offer"])).status_code == 302

    template.refresh_from_db()
    assert template.subject == template_default_parts("offer").subject


def test_the_template_editor_has_one_text_box_and_previews_both_parts(client, lead):
    ApplicationFactory(candidate__owner=lead, owner=lead, candidate__first_name="Ifeoma <b>")
    client.force_login(lead)

    page = client.get(reverse("template_edit", args=["check_in"]))

    # One text box for the email (its HTML part is made from it), and the kind's short text message.
    assert list(page.context["form"].fields) == ["subject", "body_text", "sms_body"]
    html = page.content.decode()
    assert 'name="body_html"' not in html
    assert "srcdoc=" in html and "sandbox" in html
    # The HTML part sits escaped inside srcdoc; the plain text is shown as text.
    assert "&lt;p&gt;Hello Ifeoma &amp;lt;b&amp;gt;,&lt;/p&gt;" in html
    assert "Hello Ifeoma &lt;b&gt;," in html
