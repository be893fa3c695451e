"""Replies posted by the mail provider's inbound webhook (django-anymail): Mailgun's signed raw MIME
form and Postmark's JSON; forged, replayed and unsigned posts refused and nothing stored."""

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
from django.urls import reverse

from notifications.models import InboundMessage
from notifications.services.reply_addresses import reply_address
from recruiting.models import ContactEvent, RecruiterPrompt
from tests.factories import ApplicationFactory, CandidateFactory, OutboundMessageFactory

pytestmark = pytest.mark.django_db

BASIC_AUTH = "inloop-hooks:a-long-webhook-password"
SIGNING_KEY = "key-inbound-signing-0123456789abcdef"
DOMAIN = "reply.northwind.example"
CORPUS = Path(__file__).parent / "inbound_corpus"


@pytest.fixture
def sent(settings):
    settings.INLOOP_REPLY_DOMAIN = DOMAIN
    application = ApplicationFactory(candidate=CandidateFactory(email="ana.ferreira@mail.example"))
    return OutboundMessageFactory(application=application, status="sent", message_id="<hook-1@inloop.example>")


@pytest.fixture
def mailgun(settings):
    settings.INLOOP_INBOUND_ESP = "mailgun"
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    return reverse("notifications:inbound_webhook", args=["mailgun"])


@pytest.fixture
def postmark(settings):
    settings.INLOOP_INBOUND_ESP = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH}
    return reverse("notifications:inbound_webhook", args=["postmark"])


def _auth(credentials: str = BASIC_AUTH) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def _raw(message, name: str = "gmail_multipart_alternative.eml") -> str:
    return (
        (CORPUS / name)
        .read_text()
        .replace("{{REPLY_TO}}", reply_address(message.pk))
        .replace("{{MESSAGE_ID}}", message.message_id)
        .replace("{{CANDIDATE}}", "ana.ferreira@mail.example")
    )


def _mailgun_form(message, *, key: str = SIGNING_KEY, age: float = 0, token: str = "4d1c2b" * 8, **fields) -> dict:
    timestamp = str(int(time.time() - age))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "token": token,
        "timestamp": timestamp,
        "signature": signature,
        "recipient": reply_address(message.pk),
        "sender": "ana.ferreira@mail.example",
        "body-mime": _raw(message),
        **fields,
    }


def _postmark_json(message) -> str:
    return json.dumps(
        {
            "FromName": "Ana Ferreira",
            "MessageStream": "inbound",
            "From": "ana.ferreira@mail.example",
            "FromFull": {"Email": "ana.ferreira@mail.example", "Name": "Ana Ferreira", "MailboxHash": ""},
            "To": reply_address(message.pk),
            "ToFull": [{"Email": reply_address(message.pk), "Name": "", "MailboxHash": ""}],
            "OriginalRecipient": reply_address(message.pk),
            "Subject": "Re: Your application for Data Analyst",
            "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
            "Date": "Tue, 3 Nov 2026 10:15:00 +0000",
            "TextBody": "Tuesday at 10 works for me.",
            "Headers": [{"Name": "Return-Path", "Value": "<ana.ferreira@mail.example>"}],
            "RawEmail": _raw(message),
            "Attachments": [],
        }
    )


def _landed(message) -> bool:
    return (
        ContactEvent.objects.filter(application=message.application, direction="inbound").exists()
        and RecruiterPrompt.objects.filter(application=message.application, reason="reply_owed").exists()
    )


def test_a_signed_mailgun_post_lands_as_a_reply(client, sent, mailgun):
    response = client.post(mailgun, _mailgun_form(sent), **_auth())
    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert (inbound.status, inbound.source) == (InboundMessage.Status.ACCEPTED, "webhook:mailgun")
    assert "Tuesday at 10 works for me." in inbound.text and "meet you next week" not in inbound.text
    assert inbound.recipient == reply_address(sent.pk)
    assert _landed(sent)


def test_a_postmark_post_lands_as_a_reply(client, sent, postmark):
    response = client.post(postmark, _postmark_json(sent), content_type="application/json", **_auth())
    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert (inbound.status, inbound.source) == (InboundMessage.Status.ACCEPTED, "webhook:postmark")
    assert _landed(sent)


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(lambda sent: _mailgun_form(sent, key="key-of-someone-else"), id="signed-with-another-key"),
        pytest.param(lambda sent: _mailgun_form(sent) | {"signature": "0" * 64}, id="signature-made-up"),
        pytest.param(lambda sent: _mailgun_form(sent) | {"token": "another-token"}, id="token-swapped"),
        pytest.param(lambda sent: {k: v for k, v in _mailgun_form(sent).items() if k != "signature"}, id="unsigned"),
    ],
)
def test_forged_mailgun_posts_are_refused(client, sent, mailgun, form):
    response = client.post(mailgun, form(sent), **_auth())
    assert response.status_code == 400
    assert not InboundMessage.objects.exists() and not _landed(sent)


def test_a_mailgun_post_without_the_basic_auth_secret_is_refused(client, sent, mailgun):
    assert client.post(mailgun, _mailgun_form(sent)).status_code == 400
    assert not InboundMessage.objects.exists()


def test_a_replayed_mailgun_post_is_refused(client, sent, mailgun):
    response = client.post(mailgun, _mailgun_form(sent, age=20 * 60), **_auth())
    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


def test_a_post_delivered_twice_is_kept_once(client, sent, mailgun):
    form = _mailgun_form(sent)
    assert client.post(mailgun, form, **_auth()).status_code == 200
    assert client.post(mailgun, form, **_auth()).status_code == 200
    assert InboundMessage.objects.count() == 1 and ContactEvent.objects.count() == 1


@pytest.mark.parametrize("credentials", [None, "inloop-hooks:wrong-password"], ids=["no-auth", "wrong-auth"])
def test_postmark_posts_without_the_secret_are_refused(client, sent, postmark, credentials):
    extra = _auth(credentials) if credentials else {}
    response = client.post(postmark, _postmark_json(sent), content_type="application/json", **extra)
    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


def test_an_unusable_email_is_stored_rejected_and_answered_200(client, sent, postmark):
    payload = json.loads(_postmark_json(sent))
    payload |= {
        "RawEmail": "From: someone@elsewhere.example\nTo: jobs@northwind.example\n\nAny jobs?\n",
        "To": "jobs@northwind.example",
        "ToFull": [{"Email": "jobs@northwind.example", "Name": "", "MailboxHash": ""}],
        "OriginalRecipient": "jobs@northwind.example",
    }
    response = client.post(postmark, json.dumps(payload), content_type="application/json", **_auth())
    assert response.status_code == 200
    assert InboundMessage.objects.get().status == InboundMessage.Status.REJECTED


def test_the_webhook_is_off_unless_its_provider_is_named(client, sent, settings):
    settings.INLOOP_INBOUND_ESP = ""
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH}
    url = reverse("notifications:inbound_webhook", args=["postmark"])
    assert client.post(url, _postmark_json(sent), content_type="application/json", **_auth()).status_code == 404
    settings.INLOOP_INBOUND_ESP = "postmark"
    other = reverse("notifications:inbound_webhook", args=["mailgun"])
    assert client.post(other, _mailgun_form(sent), **_auth()).status_code == 404


def test_the_webhook_refuses_everything_without_a_secret(client, sent, settings):
    settings.INLOOP_INBOUND_ESP = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    url = reverse("notifications:inbound_webhook", args=["postmark"])
    assert client.post(url, _postmark_json(sent), content_type="application/json").status_code == 400
