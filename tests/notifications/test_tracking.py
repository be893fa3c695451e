"""Tracking webhooks through django-anymail (forged and repeated events): real Mailgun and Postmark payloads,
delivered twice and forged. One suppression per address, the recruiter prompted, forged requests 400."""

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate
from notifications.models import OutboundMessage, Suppression, TrackingEvent
from notifications.services.tracking import tracking_event_record
from recruiting.models import AuditLog, RecruiterPrompt, Stage
from tests.factories import ApplicationFactory, CandidateFactory

pytestmark = pytest.mark.django_db

BASIC_AUTH = "inloop-hooks:a-long-webhook-password"
SIGNING_KEY = "key-webhook-signing-0123456789abcdef"
# Events older than INLOOP_TRACKING_EVENT_MAX_AGE_DAYS are refused: the provider's dates are written relative
# to this moment, and the tests run at it, so that they hold on any day.
NOW = datetime(2026, 11, 25, 17, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def _postmark_time(ago: timedelta, fraction: str = "") -> str:
    """A Postmark timestamp `ago` before NOW, in its own format ("2026-11-25T16:33:54.9070259Z")."""
    return f"{NOW - ago:%Y-%m-%dT%H:%M:%S}{fraction}Z"


@pytest.fixture
def mailgun(settings):
    settings.INLOOP_TRACKING_ESP = "mailgun"
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    return reverse("notifications:tracking_webhook", args=["mailgun"])


@pytest.fixture
def postmark(settings):
    settings.INLOOP_TRACKING_ESP = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH}
    return reverse("notifications:tracking_webhook", args=["postmark"])


@pytest.fixture
def candidate():
    candidate = CandidateFactory(email="Lindiwe.Mokoena@mail.example")
    ApplicationFactory(candidate=candidate)
    ApplicationFactory(candidate=candidate)
    ApplicationFactory(candidate=candidate, stage=Stage.REJECTED, closed_at=timezone.now())
    return candidate


def _auth(credentials: str = BASIC_AUTH) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def _mailgun_payload(*, event: str, recipient: str, token: str, key: str = SIGNING_KEY, **event_data) -> str:
    timestamp = str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {
        "event": event,
        "id": "G9Bn5sl1TC6nu79C8C0bwg",
        "timestamp": time.time(),
        "recipient": recipient,
        "log-level": "error",
        "message": {
            "headers": {
                "to": recipient,
                "message-id": "outbox-41.7f3c@inloop.example",
                "from": "Inloop <updates@inloop.example>",
                "subject": "An update on your application",
            },
            "attachments": [],
            "size": 3412,
        },
        "tags": [],
        "user-variables": {},
        "flags": {"is-routed": False, "is-authenticated": True, "is-system-test": False, "is-test-mode": False},
        **event_data,
    }
    return json.dumps(
        {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": data}
    )


MAILGUN_EVENT_TOKEN = "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"


def _mailgun_bounce(recipient: str, token: str = MAILGUN_EVENT_TOKEN, **kw) -> str:
    return _mailgun_payload(
        event="failed",
        recipient=recipient,
        token=token,
        severity="permanent",
        reason="bounce",
        **{
            "delivery-status": {
                "code": 550,
                "message": "5.1.1 The email account that you tried to reach does not exist.",
                "description": "",
                "attempt-no": 1,
                "session-seconds": 0.4,
            }
        },
        **kw,
    )


def _post(client, url, body: str, **extra):
    return client.post(url, body, content_type="application/json", **extra)


def _state() -> dict:
    return {
        "events": TrackingEvent.objects.count(),
        "suppressions": Suppression.objects.count(),
        "prompts": RecruiterPrompt.objects.count(),
        "audit": AuditLog.objects.count(),
        "bounced": Candidate.objects.exclude(email_status=Candidate.EmailStatus.OK).count(),
    }


def test_mailgun_bounce_delivered_twice_suppresses_once_and_prompts_each_live_application(client, mailgun, candidate):
    body = _mailgun_bounce("lindiwe.mokoena@mail.example")

    first = _post(client, mailgun, body, **_auth())
    second = _post(client, mailgun, body, **_auth())

    assert first.status_code == 200 and second.status_code == 200
    assert TrackingEvent.objects.count() == 1
    suppression = Suppression.objects.get()
    assert suppression.email == "lindiwe.mokoena@mail.example"
    assert suppression.reason == Suppression.Reason.BOUNCED
    candidate.refresh_from_db()
    assert candidate.email_status == Candidate.EmailStatus.BOUNCED
    prompts = RecruiterPrompt.objects.filter(reason=RecruiterPrompt.Reason.DELIVERY_FAILED)
    assert sorted(p.application_id for p in prompts) == sorted(
        candidate.applications.filter(stage=Stage.NEW).values_list("pk", flat=True)
    )
    assert all(p.recruiter_id == p.application.owner_id for p in prompts)
    assert AuditLog.objects.filter(action="email.bounced").count() == 1


def test_two_bounces_for_one_address_keep_one_suppression(client, mailgun, candidate):
    _post(client, mailgun, _mailgun_bounce(candidate.email, token="token-one-" + "1" * 40), **_auth())
    _post(client, mailgun, _mailgun_bounce(candidate.email, token="token-two-" + "2" * 40), **_auth())

    assert TrackingEvent.objects.count() == 2
    assert Suppression.objects.count() == 1
    assert RecruiterPrompt.objects.count() == 2


def test_mailgun_complaint_marks_the_candidate(client, mailgun, candidate):
    body = _mailgun_payload(event="complained", recipient=candidate.email, token="c" * 50)

    assert _post(client, mailgun, body, **_auth()).status_code == 200

    assert Suppression.objects.get().reason == Suppression.Reason.COMPLAINED
    candidate.refresh_from_db()
    assert candidate.email_status == Candidate.EmailStatus.COMPLAINED


def test_delivered_event_is_recorded_and_changes_nothing_else(client, mailgun, candidate):
    message = OutboundMessage.objects.create(
        candidate=candidate,
        template_code="screening",
        subject="An update",
        body_text="Hello",
        to_address=candidate.email,
        idempotency_key="tracking-test-1",
        message_id="<outbox-41.7f3c@inloop.example>",
        status=OutboundMessage.Status.SENT,
    )
    body = _mailgun_payload(event="delivered", recipient=candidate.email, token="d" * 50)

    assert _post(client, mailgun, body, **_auth()).status_code == 200

    event = TrackingEvent.objects.get()
    assert event.event_type == "delivered" and event.message == message
    assert not Suppression.objects.exists() and not RecruiterPrompt.objects.exists()


def test_opens_and_clicks_are_not_recorded(client, mailgun, candidate):
    body = _mailgun_payload(event="opened", recipient=candidate.email, token="o" * 50)

    assert _post(client, mailgun, body, **_auth()).status_code == 200

    assert not TrackingEvent.objects.exists()


def test_bounce_for_a_candidate_who_asked_not_to_be_contacted_opens_no_prompt(client, mailgun, candidate):
    Candidate.objects.filter(pk=candidate.pk).update(do_not_contact=True, do_not_contact_reason="Asked by phone")

    _post(client, mailgun, _mailgun_bounce(candidate.email), **_auth())

    assert Suppression.objects.count() == 1
    assert not RecruiterPrompt.objects.exists()


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda email: (_mailgun_bounce(email, key="key-someone-else"), _auth()), id="wrong-signature"),
        pytest.param(lambda email: (_mailgun_bounce(email), {}), id="no-basic-auth"),
        pytest.param(lambda email: (_mailgun_bounce(email), _auth("inloop-hooks:guessed")), id="wrong-basic-auth"),
        pytest.param(
            lambda email: (
                json.dumps({"event-data": json.loads(_mailgun_bounce(email))["event-data"]}),
                _auth(),
            ),
            id="unsigned",
        ),
        pytest.param(
            lambda email: (
                _mailgun_bounce(email)
                .replace('"permanent"', '"permanent", "extra": 1')
                .replace('"token": "a8ce', '"token": "b8ce'),
                _auth(),
            ),
            id="token-swapped",
        ),
    ],
)
def test_forged_or_unsigned_mailgun_requests_are_400_and_change_nothing(client, mailgun, candidate, forge):
    body, headers = forge(candidate.email)
    before = _state()

    response = _post(client, mailgun, body, **headers)

    assert response.status_code == 400
    assert _state() == before


def test_postmark_bounce_delivered_twice(client, postmark, candidate):
    body = json.dumps(
        {
            "RecordType": "Bounce",
            "MessageStream": "outbound",
            "ID": 4323372036854775807,
            "Type": "HardBounce",
            "TypeCode": 1,
            "Name": "Hard bounce",
            "Tag": "status-update",
            "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
            "Metadata": {},
            "ServerID": 23,
            "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
            "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
            "Email": candidate.email,
            "From": "updates@inloop.example",
            "BouncedAt": _postmark_time(timedelta(minutes=26, seconds=6), fraction=".9070259"),
            "DumpAvailable": True,
            "Inactive": True,
            "CanActivate": True,
            "Subject": "An update on your application",
        }
    )

    assert _post(client, postmark, body, **_auth()).status_code == 200
    assert _post(client, postmark, body, **_auth()).status_code == 200
    assert _post(client, postmark, body, **_auth("someone:else")).status_code == 400

    assert TrackingEvent.objects.count() == 1
    assert Suppression.objects.count() == 1
    assert RecruiterPrompt.objects.count() == 2


def test_postmark_delivery_without_event_id_is_deduplicated(client, postmark, candidate):
    body = json.dumps(
        {
            "RecordType": "Delivery",
            "ServerID": 23,
            "MessageStream": "outbound",
            "MessageID": "00000000-0000-0000-0000-000000000000",
            "Recipient": candidate.email,
            "Tag": "",
            "DeliveredAt": _postmark_time(timedelta(minutes=25, seconds=50)),
            "Details": "Test delivery webhook details",
            "Metadata": {},
        }
    )

    _post(client, postmark, body, **_auth())
    _post(client, postmark, body, **_auth())

    assert TrackingEvent.objects.filter(event_type="delivered").count() == 1


def test_endpoint_is_off_without_a_provider(client, settings, candidate):
    settings.INLOOP_TRACKING_ESP = ""
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}

    response = _post(
        client, reverse("notifications:tracking_webhook", args=["mailgun"]), _mailgun_bounce(candidate.email), **_auth()
    )

    assert response.status_code == 404
    assert not TrackingEvent.objects.exists()


def test_only_the_configured_provider_answers(client, mailgun, candidate):
    response = _post(
        client,
        reverse("notifications:tracking_webhook", args=["postmark"]),
        _mailgun_bounce(candidate.email),
        **_auth(),
    )

    assert response.status_code == 404


def test_endpoint_without_a_secret_refuses_everything(client, settings, candidate):
    settings.INLOOP_TRACKING_ESP = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    body = json.dumps({"RecordType": "SpamComplaint", "ID": 1, "Type": "SpamComplaint", "Email": candidate.email})

    response = _post(client, reverse("notifications:tracking_webhook", args=["postmark"]), body)

    assert response.status_code == 400
    assert not Suppression.objects.exists()


def test_event_recorded_directly_is_idempotent(candidate):
    first = tracking_event_record(esp_name="Mailgun", event_type="bounced", recipient=candidate.email, event_id="e-1")
    again = tracking_event_record(esp_name="Mailgun", event_type="bounced", recipient=candidate.email, event_id="e-1")

    assert first is not None and again is None
    assert Suppression.objects.count() == 1


def test_after_a_bounce_the_next_automated_email_is_suppressed_with_the_reason(
    client, mailgun, candidate, django_capture_on_commit_callbacks
):
    from notifications.services.outbox import message_queue

    _post(client, mailgun, _mailgun_bounce(candidate.email.lower()), **_auth())
    candidate.refresh_from_db()
    application = candidate.applications.filter(stage=Stage.NEW).first()

    with django_capture_on_commit_callbacks(execute=False):
        message = message_queue(
            idempotency_key="after-bounce-check-in",
            template_code="check_in",
            to_address=candidate.email,
            context={"candidate_first_name": candidate.first_name},
            candidate=candidate,
            application=application,
        )

    assert message.status == OutboundMessage.Status.SUPPRESSED
    assert "bounced" in message.status_reason
