"""Internationalised addresses (RFC 6531): sent with SMTPUTF8 when the server offers it; when it does not,
the message fails for good with a reason the recruiter can act on. A real aiosmtpd sink on loopback."""

import datetime as dt
import smtplib

import pytest
import time_machine
from django.core.mail import EmailMessage, mailers

from notifications.backends import SMTPBackend
from notifications.models import MessageAttempt, OutboundMessage
from notifications.services import messages as message_services
from notifications.services import sending
from recruiting.models import RecruiterPrompt
from recruiting.services import application_create
from tests.factories import CandidateFactory, JobFactory
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status

JOSE = "jose.müller@example.com"
REFUSAL = f"The mail server cannot take the address {JOSE}: it does not support internationalised addresses (SMTPUTF8)."


@pytest.fixture(autouse=True)
def wednesday_morning():
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def utf8_sink():
    with SmtpSink(stall_seconds=5, smtputf8=True) as running:
        yield running


@pytest.fixture
def ascii_sink():
    with SmtpSink(stall_seconds=5, smtputf8=False) as running:
        yield running


def use(settings, sink: SmtpSink) -> SmtpSink:
    settings.MAILERS = {
        "default": {
            "BACKEND": "notifications.backends.SMTPBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 1},
        }
    }
    return sink


def mailer_for(settings, sink: SmtpSink) -> SMTPBackend:
    use(settings, sink)
    backend = mailers.default
    assert isinstance(backend, SMTPBackend)
    return backend


def sent_to(email: str) -> OutboundMessage:
    """A new application's acknowledgment to `email`, released by its recruiter and sent by the worker code."""
    candidate = CandidateFactory(first_name="José", last_name="Müller", email=email)
    application = application_create(candidate=candidate, job=JobFactory(owner=candidate.owner), by=candidate.owner)
    message = message_services.message_send_now(
        message=OutboundMessage.objects.get(application=application), by=candidate.owner
    )
    sending.message_send(message_id=message.pk)
    return OutboundMessage.objects.select_related("application").get(pk=message.pk)


def raw(received) -> str:
    return received.message.as_bytes().decode("utf-8")


def test_with_smtputf8_offered_the_address_is_sent_as_it_is(settings, utf8_sink):
    use(settings, utf8_sink)
    message = sent_to(JOSE)

    assert message.status == Status.SENT, message.status_reason
    [received] = utf8_sink.received
    assert received.recipients == (JOSE,)
    assert received.smtputf8
    # The header carries the address in UTF-8, not an RFC 2047 word no mail system would read as an address.
    assert f"\nTo: {JOSE}\n" in raw(received)


def test_without_smtputf8_the_message_fails_for_good_and_the_recruiter_is_told_why(settings, ascii_sink):
    use(settings, ascii_sink)
    message = sent_to(JOSE)

    assert message.status == Status.FAILED
    assert REFUSAL in message.status_reason
    assert ascii_sink.received == []
    [attempt] = MessageAttempt.objects.filter(message=message)
    assert attempt.outcome == MessageAttempt.Outcome.PERMANENT
    prompt = RecruiterPrompt.objects.get(application=message.application, reason=RecruiterPrompt.Reason.DELIVERY_FAILED)
    assert REFUSAL in prompt.detail


def test_ascii_addresses_go_without_smtputf8_whatever_the_server(settings, ascii_sink):
    use(settings, ascii_sink)
    plain = sent_to("jose.mueller@example.com")
    idn_domain = sent_to("jose@bücher.example")

    assert (plain.status, idn_domain.status) == (Status.SENT, Status.SENT)
    assert [(r.recipients, r.smtputf8) for r in ascii_sink.received] == [
        (("jose.mueller@example.com",), False),
        (("jose@xn--bcher-kva.example",), False),
    ]


def test_a_refused_address_leaves_the_connection_usable_for_the_next_message(settings, ascii_sink):
    backend = mailer_for(settings, ascii_sink)
    with backend:
        with pytest.raises(ValueError) as refused:
            backend.send_messages([EmailMessage("Hello", "Body\n", "inloop@firm.example", [JOSE])])
        assert str(refused.value) == REFUSAL
        assert not isinstance(refused.value, smtplib.SMTPException | OSError)
        assert backend.send_messages([EmailMessage("Hello", "Body\n", "inloop@firm.example", ["ann@example.com"])]) == 1
    assert [r.recipients for r in ascii_sink.received] == [("ann@example.com",)]


def test_an_international_sender_needs_smtputf8_too(settings, utf8_sink):
    backend = mailer_for(settings, utf8_sink)
    with backend:
        assert (
            backend.send_messages([EmailMessage("Hallo", "Grüße\n", "Büro <büro@firm.example>", ["ann@example.com"])])
            == 1
        )
    [received] = utf8_sink.received
    assert received.smtputf8
    assert "From: Büro <büro@firm.example>" in raw(received)
