"""Webhook events for what the notifications and candidates apps publish: each written in the transaction
of the fact it reports, by the subscriber listed in inloop/subscriptions.py, and nothing when nobody
listens."""

import pytest
from django.db import transaction
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEvent
from api.webhooks import EVENT_TYPES, webhook_subscription_create
from candidates.services.people import candidate_set_preferences
from notifications.services import recording
from notifications.services.tracking import tracking_event_record
from recruiting import events
from recruiting.models import ClientAnswer
from recruiting.services import prompts
from recruiting.services.replies import reply_record
from tests.factories import ApplicationFactory, CandidateFactory, OutboundMessageFactory

pytestmark = pytest.mark.django_db

URL = "https://ats.example.com/hooks/inloop"


@pytest.fixture
def subscribed(admin_user):
    def subscribe(*event_types):
        return webhook_subscription_create(url=URL, event_types=list(event_types), by=admin_user)

    return subscribe


def test_every_event_type_named_in_the_issue_may_be_subscribed_to(subscribed):
    subscription = subscribed(*EVENT_TYPES)
    assert set(subscription.event_types) == {
        "application.created",
        "application.moved",
        "message.sent",
        "message.bounced",
        "message.complained",
        "reply.received",
        "prompt.opened",
        "prompt.escalated",
        "safety_net.acted",
        "client.answered",
        "candidate.paused",
        "candidate.unsubscribed",
        "candidate.do_not_contact",
    }


def test_a_message_recorded_sent_is_reported_with_its_ids(subscribed):
    subscribed("message.sent")
    message = OutboundMessageFactory(
        status="sending", leased_by="w1", application__external_id="A-1", application__candidate__external_id="P-1"
    )
    OutboundMessageFactory(
        status="sending", leased_by="w1", candidate=None, application=None, to_address="lead@firm.example"
    )
    recording.record_sent_many(list(type(message).objects.filter(leased_by="w1")), worker="w1")
    event = WebhookEvent.objects.get()
    assert event.event_type == "message.sent"
    assert event.payload | {"sent_at": None} == {
        "message_id": message.pk,
        "channel": "email",
        "template": "screening",
        "application_id": message.application_id,
        "application_external_id": "A-1",
        "candidate_id": message.candidate_id,
        "candidate_external_id": "P-1",
        "sent_at": None,
    }
    assert WebhookDelivery.objects.get().event == event


@pytest.mark.parametrize(("kind", "event_type"), [("bounced", "message.bounced"), ("complained", "message.complained")])
def test_a_bounce_or_a_complaint_is_reported_for_the_candidate(subscribed, kind, event_type):
    subscribed("message.bounced", "message.complained")
    message = OutboundMessageFactory(status="sent", message_id="<m1@inloop>", application__candidate__external_id="P-7")
    tracking_event_record(
        esp_name="Mailgun", event_type=kind, recipient=message.to_address, event_id="e-1", message_id="<m1@inloop>"
    )
    event = WebhookEvent.objects.get()
    assert event.event_type == event_type
    assert event.payload["candidate_external_id"] == "P-7"
    assert event.payload["message_id"] == message.pk and event.payload["reason"] == kind
    assert message.to_address not in str(event.payload)


def test_pause_unsubscribe_and_do_not_contact_are_reported(subscribed, recruiter):
    subscribed("candidate.paused", "candidate.unsubscribed", "candidate.do_not_contact")
    candidate = CandidateFactory(owner=recruiter, external_id="P-3")
    candidate_set_preferences(candidate=candidate, by=recruiter, automated_updates_paused=True)
    candidate_set_preferences(candidate=candidate, by=recruiter, automated_updates_paused=False)
    candidate_set_preferences(
        candidate=candidate, by=None, source="candidate", automated_updates_paused=True, unsubscribed=True
    )
    candidate_set_preferences(candidate=candidate, by=None, source="candidate", do_not_contact=True, reason="Asked")
    reported = [(event.event_type, event.payload) for event in WebhookEvent.objects.order_by("id")]
    common = {"candidate_id": candidate.pk, "candidate_external_id": "P-3"}
    assert reported == [
        ("candidate.paused", {**common, "source": "recruiter", "automated_updates_paused": True}),
        ("candidate.paused", {**common, "source": "recruiter", "automated_updates_paused": False}),
        ("candidate.unsubscribed", {**common, "source": "candidate", "automated_updates_paused": True}),
        ("candidate.do_not_contact", {**common, "source": "candidate", "do_not_contact": True, "reason": "Asked"}),
    ]


def test_the_event_rolls_back_with_the_change_it_reports(subscribed, recruiter):
    subscribed("candidate.paused")
    candidate = CandidateFactory(owner=recruiter)
    with pytest.raises(RuntimeError), transaction.atomic():
        candidate_set_preferences(candidate=candidate, by=recruiter, automated_updates_paused=True)
        raise RuntimeError("the publisher's transaction fails")
    assert not WebhookEvent.objects.exists()


def test_nobody_listening_writes_nothing(subscribed, recruiter):
    subscribed("application.moved")
    candidate = CandidateFactory(owner=recruiter)
    candidate_set_preferences(candidate=candidate, by=recruiter, automated_updates_paused=True)
    assert not WebhookEvent.objects.exists()


# The pipeline's events ---------------------------------------------------------------------------------------


def test_a_reply_is_reported_without_its_text(subscribed):
    subscribed("reply.received")
    application = ApplicationFactory(external_id="A-5")
    contact, _ = reply_record(
        application=application, at=timezone.now(), summary="Private words", automatic=False, from_candidate=True
    )
    event = WebhookEvent.objects.get()
    assert event.event_type == "reply.received"
    assert event.payload["contact_id"] == contact.pk and event.payload["application_external_id"] == "A-5"
    assert event.payload["sender"] == "candidate" and event.payload["verified"] is True
    assert "Private words" not in str(event.payload)


def test_a_prompt_opened_then_escalated_is_reported(subscribed, recruiter):
    subscribed("prompt.opened", "prompt.escalated")
    application = ApplicationFactory(owner=recruiter, external_id="A-6")
    prompt = prompts.prompt_open(application=application, reason="overdue", detail="Overdue")
    events.publish(events.PromptsEscalated(to_lead={prompt.pk: recruiter.pk}, by=None, at=timezone.now()))
    opened, escalated = WebhookEvent.objects.order_by("id")
    assert (opened.event_type, escalated.event_type) == ("prompt.opened", "prompt.escalated")
    assert opened.payload["prompt_id"] == prompt.pk and opened.payload["reason"] == "overdue"
    assert opened.payload["application_external_id"] == "A-6"
    assert escalated.payload["team_lead_id"] == recruiter.pk


def test_what_the_safety_net_did_and_a_client_answer_are_reported(subscribed):
    subscribed("safety_net.acted", "client.answered")
    emailed, called = ApplicationFactory(external_id="A-7"), ApplicationFactory()
    events.publish(events.SafetyNetsActed(message_owed=[emailed], call_asked=[called], by=None, at=timezone.now()))
    answer = ClientAnswer(
        application=emailed, kind="move_forward", stage="submitted", asked_at=timezone.now(), due_at=timezone.now()
    )
    events.publish(
        events.ClientAnswered(application=emailed, answer=answer, corrected=False, by=None, at=timezone.now())
    )
    acted = [(e.event_type, e.payload.get("action"), e.payload["application_id"]) for e in WebhookEvent.objects.all()]
    assert acted == [
        ("safety_net.acted", "message_owed", emailed.pk),
        ("safety_net.acted", "call_asked", called.pk),
        ("client.answered", None, emailed.pk),
    ]
    assert WebhookEvent.objects.get(event_type="client.answered").payload["answer"] == "move_forward"
