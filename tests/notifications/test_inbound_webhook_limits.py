"""The inbound webhook takes what a mail provider posts up to INLOOP_INBOUND_MAX_BYTES (Django's own form
limit, 2.5 MB, is for the site's forms), and stores whatever it cannot deliver with its reason, answering
200 so the provider does not retry forever: a post too large, an email nested too deep. Never a 500."""

import base64
import hashlib
import hmac
import io
import json
import time
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse

from notifications.models import InboundMessage
from notifications.services.reply_addresses import reply_address
from recruiting.models import ContactEvent, RecruiterPrompt
from tests.factories import ApplicationFactory, CandidateFactory, OutboundMessageFactory

pytestmark = pytest.mark.django_db

BASIC_AUTH = "inloop-hooks:a-long-webhook-password"
SIGNING_KEY = "key-inbound-signing-0123456789abcdef"
DOMAIN = "reply.northwind.example"
CANDIDATE = "ana.ferreira@mail.example"
MEGABYTE = 1024 * 1024


@pytest.fixture
def sent(settings):
    settings.INLOOP_REPLY_DOMAIN = DOMAIN
    settings.INLOOP_INBOUND_MAX_BYTES = 5 * MEGABYTE
    application = ApplicationFactory(candidate=CandidateFactory(email=CANDIDATE))
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


def _auth() -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(BASIC_AUTH.encode()).decode()}


def _reply(message, *, words: str = "Tuesday at 10 works for me.", attachment: bytes = b"") -> str:
    """A reply to the message, with a (base64) attachment of the given bytes when there are any."""
    head = (
        f"From: Ana Ferreira <{CANDIDATE}>\r\nTo: {reply_address(message.pk)}\r\nSubject: Re: Your application\r\n"
        f"Message-ID: <ana-{hashlib.sha256(attachment).hexdigest()[:8]}@mail.example>\r\nMIME-Version: 1.0\r\n"
    )
    if not attachment:
        return head + f"Content-Type: text/plain; charset=utf-8\r\n\r\n{words}\r\n"
    encoded = base64.encodebytes(attachment).decode().replace("\n", "\r\n")
    return (
        head + 'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
        f"--outer\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{words}\r\n"
        '--outer\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="cv.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}--outer--\r\n"
    )


def _nested(message, depth: int) -> str:
    head = f"From: <{CANDIDATE}>\r\nTo: {reply_address(message.pk)}\r\nSubject: Re: deep\r\nMIME-Version: 1.0\r\n"
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n' for level in range(depth)
    )
    closing = "".join(f"\r\n--b{level}--" for level in reversed(range(depth)))
    return head + opening + "Content-Type: text/plain\r\n\r\nDeep down.\r\n" + closing + "\r\n"


def _mailgun_form(message, raw: str) -> dict:
    timestamp, token = str(int(time.time())), "4d1c2b" * 8
    signature = hmac.new(SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "token": token,
        "timestamp": timestamp,
        "signature": signature,
        "recipient": reply_address(message.pk),
        "sender": CANDIDATE,
        "body-mime": raw,
    }


def _postmark_json(message, raw: str) -> str:
    return json.dumps(
        {
            "From": CANDIDATE,
            "FromFull": {"Email": CANDIDATE, "Name": "Ana Ferreira", "MailboxHash": ""},
            "To": reply_address(message.pk),
            "ToFull": [{"Email": reply_address(message.pk), "Name": "", "MailboxHash": ""}],
            "OriginalRecipient": reply_address(message.pk),
            "Subject": "Re: Your application",
            "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
            "TextBody": "Tuesday at 10 works for me.",
            "Headers": [],
            "RawEmail": raw,
            "Attachments": [],
        }
    )


def _post(client, provider: str, url: str, message, raw: str, **extra):
    if provider == "mailgun":
        return client.post(url, _mailgun_form(message, raw), **_auth(), **extra)
    return client.post(url, _postmark_json(message, raw), content_type="application/json", **_auth(), **extra)


@pytest.fixture(params=["mailgun", "postmark"])
def provider(request, settings):
    url = request.getfixturevalue(request.param)
    return request.param, url


def test_a_three_megabyte_reply_lands_on_its_application(client, sent, provider):
    name, url = provider
    raw = _reply(sent, attachment=bytes(range(256)) * (3 * MEGABYTE // 256))
    assert len(raw) > 3 * MEGABYTE

    response = _post(client, name, url, sent, raw)

    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert (inbound.status, inbound.reason, inbound.attachments) == (InboundMessage.Status.ACCEPTED, "", 1)
    assert inbound.text == "Tuesday at 10 works for me."
    assert RecruiterPrompt.objects.filter(application=sent.application, reason="reply_owed").exists()


def test_an_email_over_the_size_limit_is_stored_refused_with_its_size(client, sent, provider, settings):
    name, url = provider
    settings.INLOOP_INBOUND_MAX_BYTES = MEGABYTE
    raw = _reply(sent, attachment=b"\x00\x01" * MEGABYTE)

    response = _post(client, name, url, sent, raw)

    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert inbound.status == InboundMessage.Status.REJECTED and inbound.reason.startswith("too large: ")
    assert not ContactEvent.objects.exists()


def test_a_post_past_what_the_route_takes_is_stored_refused_not_read_whole(client, sent, provider, settings):
    name, url = provider
    settings.INLOOP_INBOUND_MAX_BYTES = 64 * 1024
    settings.INLOOP_INBOUND_RAW_KEEP_BYTES = 4 * 1024
    raw = _reply(sent, words="x" * MEGABYTE)

    response = _post(client, name, url, sent, raw)

    assert response.status_code == 200 and b"too large" in response.content
    inbound = InboundMessage.objects.get()
    assert inbound.status == InboundMessage.Status.REJECTED
    assert inbound.reason.startswith("too large: a post of ") and inbound.raw_size > MEGABYTE
    assert len(bytes(inbound.raw)) == 4 * 1024
    assert not ContactEvent.objects.exists()


def test_a_large_post_without_the_secret_is_refused_and_nothing_kept(client, sent, postmark):
    response = client.post(postmark, _postmark_json(sent, _reply(sent, words="x" * 3 * MEGABYTE)), "application/json")

    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("depth", [40, 3000], ids=["deeper than any email", "deeper than the parser follows"])
def test_an_email_nested_too_deep_is_stored_refused_never_a_500(client, sent, provider, depth):
    name, url = provider

    response = _post(client, name, url, sent, _nested(sent, depth))

    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert inbound.status == InboundMessage.Status.REJECTED and inbound.reason.startswith("nested too deep")
    assert not ContactEvent.objects.exists()


def test_a_reply_holding_a_nul_character_lands_with_it_replaced(client, sent, mailgun):
    response = _post(client, "mailgun", mailgun, sent, _reply(sent, words="Yes\x00, Tuesday works."))

    assert response.status_code == 200
    assert InboundMessage.objects.get().text == "Yes\ufffd, Tuesday works."


@pytest.mark.parametrize("depth", [40, 3000], ids=["deeper than any email", "deeper than the parser follows"])
def test_the_mail_servers_pipe_stores_an_email_nested_too_deep_as_refused(sent, depth):
    out = io.StringIO()
    with mock.patch("sys.stdin", io.TextIOWrapper(io.BytesIO(_nested(sent, depth).encode()))):
        call_command("receive_email", stdout=out)

    inbound = InboundMessage.objects.get()
    assert out.getvalue().startswith(f"inbound #{inbound.pk} rejected: nested too deep")
    assert not ContactEvent.objects.exists()
