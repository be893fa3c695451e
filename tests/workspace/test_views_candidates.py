"""The candidate page (details, preferences, applications, one timeline), logging contacts, personal email, search."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.services.messages import message_personal_queue
from recruiting.models import ContactEvent, Stage
from recruiting.services import (
    MessageSent,
    application_create,
    application_move,
    contact_log,
    contact_log_messages_sent,
)
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ClientFactory,
    JobFactory,
    OutboundMessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_the_candidate_page_shows_applications_and_one_timeline(client, recruiter):
    candidate = CandidateFactory(owner=recruiter)
    application = application_create(candidate=candidate, job=JobFactory(owner=recruiter), by=recruiter)
    application_move(application=application, to_stage=Stage.SCREENING, by=recruiter, note="Strong profile")
    contact_log(
        application=application, channel="phone", direction="outbound", by=recruiter, summary="Talked it through"
    )
    client.force_login(recruiter)

    response = client.get(reverse("candidate_detail", args=[candidate.pk]))

    assert response.status_code == 200
    kinds = [entry.kind for entry in response.context["timeline"]]
    assert kinds.count("stage") == 2
    assert kinds.count("contact") == 1
    assert kinds.count("message") == 2  # the acknowledgment and the screening email, both held
    page = response.content.decode()
    assert "Strong profile" in page
    assert "Talked it through" in page
    assert "Held for review" in page
    assert application.job.title in page


def test_a_stage_change_nobody_made_reads_as_the_systems(client, recruiter):
    """A candidate who applied on their own (no author on the entry into "new") is shown, not a server error."""
    candidate = CandidateFactory(owner=recruiter)
    application_create(candidate=candidate, job=JobFactory(owner=recruiter), by=None, notify=False)
    client.force_login(recruiter)

    response = client.get(reverse("candidate_detail", args=[candidate.pk]))

    assert response.status_code == 200
    assert [entry.item.by for entry in response.context["timeline"] if entry.kind == "stage"] == [None]
    assert "by the system" in " ".join(response.content.decode().split())


def test_a_sent_message_shows_once_with_its_delivery_state(client, recruiter):
    candidate = CandidateFactory(owner=recruiter)
    application = ApplicationFactory(candidate=candidate, owner=recruiter)
    message = OutboundMessageFactory(application=application, status="sent", sent_at=timezone.now())
    contact_log_messages_sent(messages=[MessageSent(application.pk, message.pk, message.subject)], at=message.sent_at)
    client.force_login(recruiter)

    timeline = client.get(reverse("candidate_detail", args=[candidate.pk])).context["timeline"]

    assert [(entry.kind, entry.item) for entry in timeline] == [("message", message)]


def test_the_candidate_page_costs_the_same_queries_with_many_rows(client, recruiter, django_assert_max_num_queries):
    candidate = CandidateFactory(owner=recruiter)
    for _ in range(20):
        application = application_create(candidate=candidate, job=JobFactory(owner=recruiter), by=recruiter)
        application_move(application=application, to_stage=Stage.SCREENING, by=recruiter)
        contact_log(application=application, channel="phone", direction="outbound", by=recruiter)
    client.force_login(recruiter)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("candidate_detail", args=[candidate.pk]))

    assert len(response.context["applications"]) == 20
    assert len(response.context["timeline"].items) == 50
    assert response.context["timeline"].has_next
    second = client.get(reverse("candidate_detail", args=[candidate.pk]), {"timeline_page": 3})
    assert len(second.context["timeline"].items) == 100 - 2 * 50  # 20 x (2 changes + 1 contact + 2 messages)


def test_preferences_are_saved_by_the_owner(client, recruiter):
    candidate = CandidateFactory(owner=recruiter)
    client.force_login(recruiter)

    response = client.post(
        reverse("candidate_preferences", args=[candidate.pk]), {"do_not_contact": "on", "reason": "Asked by phone"}
    )

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.do_not_contact
    assert candidate.do_not_contact_reason == "Asked by phone"


def test_do_not_contact_without_a_reason_is_an_error_on_the_form(client, recruiter):
    candidate = CandidateFactory(owner=recruiter)
    client.force_login(recruiter)

    response = client.post(reverse("candidate_preferences", args=[candidate.pk]), {"do_not_contact": "on"})

    assert response.status_code == 400
    assert "Say why the candidate is not to be contacted." in response.content.decode()
    assert response.context["preferences_form"].errors["reason"]
    candidate.refresh_from_db()
    assert not candidate.do_not_contact


def test_logging_a_contact_resets_the_clock(client, recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, owner=recruiter)
    client.force_login(recruiter)

    response = client.post(
        reverse("candidate_contact_log", args=[application.candidate_id]),
        {"application": application.pk, "channel": "meeting", "direction": "outbound", "summary": "Coffee"},
    )

    assert response.status_code == 302
    contact = ContactEvent.objects.get(application=application)
    assert (contact.channel, contact.summary, contact.by) == ("meeting", "Coffee", recruiter)
    application.refresh_from_db()
    assert application.last_informed_at == contact.at


def test_logging_a_contact_for_another_candidates_application_is_refused(client, recruiter):
    mine = CandidateFactory(owner=recruiter)
    ApplicationFactory(candidate=mine, owner=recruiter)
    other = ApplicationFactory(candidate__owner=recruiter, owner=recruiter)
    client.force_login(recruiter)

    response = client.post(
        reverse("candidate_contact_log", args=[mine.pk]),
        {"application": other.pk, "channel": "phone", "direction": "outbound"},
    )

    assert response.status_code == 400
    assert not ContactEvent.objects.exists()


def test_a_personal_email_goes_through_the_outbox_once(client, recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, owner=recruiter)
    client.force_login(recruiter)
    form = client.get(reverse("candidate_detail", args=[application.candidate_id])).context["email_form"]
    data = {
        "application": application.pk,
        "subject": "About Thursday",
        "body": "Thank you for your time today.",
        "send_token": form["send_token"].value(),
    }

    first = client.post(reverse("candidate_email", args=[application.candidate_id]), data)
    again = client.post(reverse("candidate_email", args=[application.candidate_id]), data)

    assert first.status_code == again.status_code == 302
    message = OutboundMessage.objects.get(application=application)
    assert message.template_code == "personal"
    assert message.subject == "About Thursday"
    assert "Thank you for your time today." in message.body_text


def test_an_empty_personal_email_shows_errors(client, recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, owner=recruiter)
    client.force_login(recruiter)

    response = client.post(
        reverse("candidate_email", args=[application.candidate_id]),
        {"application": application.pk, "subject": "", "body": "", "send_token": "not-a-uuid"},
    )

    assert response.status_code == 400
    errors = response.context["email_form"].errors
    assert "subject" in errors and "body" in errors
    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("candidate_preferences", {"automated_updates_paused": "on"}),
        ("candidate_contact_log", {"channel": "phone", "direction": "outbound"}),
        ("candidate_email", {"subject": "Hello", "body": "Hi", "send_token": "6f1c1f0e-8f1e-4f55-9d55-0d7c3d7c0a11"}),
    ],
)
def test_a_recruiter_cannot_act_on_another_recruiters_candidate(client, recruiter, name, data):
    owner = UserFactory()
    application = ApplicationFactory(candidate__owner=owner, owner=owner)
    client.force_login(recruiter)

    response = client.post(reverse(name, args=[application.candidate_id]), {"application": application.pk, **data})

    assert response.status_code == 403
    application.candidate.refresh_from_db()
    assert not application.candidate.automated_updates_paused
    assert not ContactEvent.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_a_recruiter_reads_another_recruiters_candidate(client, recruiter):
    candidate = CandidateFactory(owner=UserFactory())
    ApplicationFactory(candidate=candidate)
    client.force_login(recruiter)

    response = client.get(reverse("candidate_detail", args=[candidate.pk]))

    assert response.status_code == 200
    assert response.context["can_act"] is False
    page = response.content.decode()
    for name in ("candidate_preferences", "candidate_contact_log", "candidate_email"):
        assert 'action="' + reverse(name, args=[candidate.pk]) not in page


@pytest.mark.parametrize(
    "name", ["candidate_detail", "candidate_preferences", "candidate_contact_log", "candidate_email"]
)
def test_unknown_or_erased_candidates_are_404(client, recruiter, name):
    erased = CandidateFactory(erased_at=timezone.now())
    client.force_login(recruiter)
    method = client.get if name == "candidate_detail" else client.post
    assert method(reverse(name, args=[999999])).status_code == 404
    assert method(reverse(name, args=[erased.pk])).status_code == 404


def test_names_and_notes_are_escaped(client, recruiter):
    candidate = CandidateFactory(owner=recruiter, first_name="<script>alert(1)</script>", last_name='"><img onerror=x>')
    application = ApplicationFactory(candidate=candidate, owner=recruiter)
    contact_log(application=application, channel="phone", direction="outbound", by=recruiter, summary="<b>bold</b>")
    client.force_login(recruiter)

    page = client.get(reverse("candidate_detail", args=[candidate.pk])).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '"><img onerror=x>' not in page
    assert "<b>bold</b>" not in page


def test_search_finds_candidates_by_name_email_and_client(client, recruiter):
    by_name = CandidateFactory(first_name="Marguerite", last_name="Okonkwo-Lind")
    by_email = CandidateFactory(email="unique.person@mail.example")
    via_client = CandidateFactory()
    ApplicationFactory(candidate=via_client, job=JobFactory(client=ClientFactory(name="Harbourview Logistics")))
    job = JobFactory(title="Warehouse Planner", client=ClientFactory(name="Northfield Foods"))
    client.force_login(recruiter)

    def found(query):
        response = client.get(reverse("search"), {"q": query})
        return set(response.context["candidates"].items), set(response.context["jobs"].items)

    assert found("marguerite okonkwo") == ({by_name}, set())
    assert found("unique.person@") == ({by_email}, set())
    assert found("Harbourview") == ({via_client}, {via_client.applications.get().job})
    assert found("warehouse") == (set(), {job})


def test_the_candidate_list_paginates_within_budget(client, recruiter, django_assert_max_num_queries):
    for _ in range(60):
        CandidateFactory()
    client.force_login(recruiter)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("candidate_list"))

    assert len(response.context["candidates"].items) == 25
    assert response.context["candidates"].has_next


def test_a_personal_email_to_a_paused_candidate_is_allowed(client, recruiter):
    application = ApplicationFactory(
        candidate__owner=recruiter, candidate__automated_updates_paused=True, owner=recruiter
    )
    message = message_personal_queue(application=application, subject="Hi", body="A personal word.", by=recruiter)
    assert message.status in (OutboundMessage.Status.QUEUED, OutboundMessage.Status.HELD)
    client.force_login(recruiter)

    timeline = client.get(reverse("candidate_detail", args=[application.candidate_id])).context["timeline"]

    assert [entry.item for entry in timeline if entry.kind == "message"] == [message]
    assert timeline.items[0].at <= timezone.now() + timedelta(seconds=1)


def test_a_recruiter_may_write_about_their_own_application_of_someone_elses_candidate(client, recruiter):
    candidate = CandidateFactory(owner=UserFactory())
    ApplicationFactory(candidate=candidate)
    mine = ApplicationFactory(candidate=candidate, owner=recruiter)
    client.force_login(recruiter)

    response = client.get(reverse("candidate_detail", args=[candidate.pk]))

    assert [pk for pk, _ in response.context["contact_form"].fields["application"].choices] == [mine.pk]
    assert [pk for pk, _ in response.context["email_form"].fields["application"].choices] == [mine.pk]


def test_a_new_personal_email_starts_with_one_greeting_and_the_senders_signature(client, recruiter):
    application = ApplicationFactory(candidate__owner=recruiter, owner=recruiter, candidate__first_name="Maya")
    recruiter.profile.signature = "Sam Reyes"
    recruiter.profile.save()
    client.force_login(recruiter)

    form = client.get(reverse("candidate_detail", args=[application.candidate_id])).context["email_form"]

    assert form["body"].value() == "Hello Maya,\n\n\n\nSam Reyes\n"
