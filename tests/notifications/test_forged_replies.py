"""Forged replies, sent the way an attacker would: through `manage.py receive_email`, with a From header
anyone can write and the Message-ID of one of our emails in In-Reply-To. Without the signed reply address
(or with the receiving server's DMARC failure) a reply is kept, marked unverified, and opens nothing: no
reply owed, no client clock stopped. A reply naming an email that never went out matches nothing."""

import hashlib
import io
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from notifications.models import InboundMessage, OutboundMessage
from notifications.services.outbox import message_id_for
from notifications.services.reply_addresses import reply_address
from recruiting.models import ContactEvent, HiringManager, RecruiterPrompt, Stage
from recruiting.services import application_move
from recruiting.services.clients import client_answers_chase
from tests.factories import ApplicationFactory, CandidateFactory, ClientFactory, JobFactory, OutboundMessageFactory

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
TUESDAY = datetime(2026, 11, 17, 10, tzinfo=UTC)
CHASED = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
FORGED_AT = CHASED + timedelta(hours=3)
DOMAIN = "reply.northwind.example"
MANAGER = "dana@lumen.example"
CANDIDATE = "ana.ferreira@mail.example"
Reason = RecruiterPrompt.Reason


@pytest.fixture(autouse=True)
def reply_domain(settings):
    settings.INLOOP_REPLY_DOMAIN = DOMAIN
    settings.INLOOP_INBOUND_AUTHSERV_ID = ""


def _receive_email(raw: bytes, *, recipient: str = "") -> InboundMessage:
    """The command as a mail server's pipe runs it: the raw email on standard input."""
    out = io.StringIO()
    with mock.patch("sys.stdin", io.TextIOWrapper(io.BytesIO(raw))):
        call_command("receive_email", "--recipient", recipient, stdout=out)
    inbound = InboundMessage.objects.order_by("-pk").first()
    assert out.getvalue().startswith(f"inbound #{inbound.pk} {inbound.status}")
    return inbound


def _email(
    *, sender: str, to: str, in_reply_to: str = "", headers: str = "", words: str = "Not a fit, thanks."
) -> bytes:
    references = f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    return (
        f"{headers}From: <{sender}>\r\nTo: {to}\r\nSubject: Re: Your candidates\r\n"
        f"Message-ID: <{hashlib.sha256(words.encode() + headers.encode()).hexdigest()[:12]}@attacker.example>\r\n"
        f"{references}Content-Type: text/plain; charset=utf-8\r\n\r\n{words}\r\n"
    ).encode()


def _open(application, reason) -> list[RecruiterPrompt]:
    return list(RecruiterPrompt.objects.filter(application=application, reason=reason, resolved_at__isnull=True))


@pytest.fixture
def chase():
    manager = HiringManager.objects.create(client=ClientFactory(), name="Dana Park", email=MANAGER)
    job = JobFactory(client=manager.client)
    job.hiring_managers.add(manager)
    applications = [
        ApplicationFactory(job=job, candidate__owner=job.owner, owner=job.owner, stage=Stage.SCREENING)
        for _ in range(2)
    ]
    with time_machine.travel(TUESDAY, tick=False):
        for application in applications:
            application_move(application=application, to_stage=Stage.SUBMITTED, by=job.owner, notify=False)
    with time_machine.travel(CHASED, tick=False):
        client_answers_chase()
    message = OutboundMessage.objects.get(template_code="client_chase")
    OutboundMessage.objects.filter(pk=message.pk).update(status=OutboundMessage.Status.SENT, sent_at=CHASED)
    message.refresh_from_db()
    return message, applications


def _clock(application) -> tuple:
    application.refresh_from_db()
    return application.client_answer_due, application.client_answered_at, application.client_chased_at


def test_a_spoofed_email_from_the_hiring_manager_stops_no_client_clock(chase):
    message, applications = chase
    clocks = [_clock(application) for application in applications]
    assert all(due is not None for due, _answered, _chased in clocks)

    with time_machine.travel(FORGED_AT, tick=False):
        inbound = _receive_email(_email(sender=MANAGER, to="hello@northwind.example", in_reply_to=message.message_id))

    assert (inbound.status, inbound.message, inbound.verified) == (InboundMessage.Status.ACCEPTED, message, False)
    assert [_clock(application) for application in applications] == clocks
    for application in applications:
        assert not _open(application, Reason.CLIENT_ANSWERED)
        contact = ContactEvent.objects.get(application=application)
        assert contact.summary.startswith("Unverified reply by email from Dana Park (hiring manager)")


def test_the_managers_own_reply_to_the_signed_address_still_stops_the_clock(chase):
    message, applications = chase

    with time_machine.travel(FORGED_AT, tick=False):
        inbound = _receive_email(
            _email(sender=MANAGER, to=reply_address(message.pk)), recipient=reply_address(message.pk)
        )

    assert inbound.verified
    for application in applications:
        assert _clock(application)[0] is None
        assert len(_open(application, Reason.CLIENT_ANSWERED)) == 1


@pytest.fixture
def sent():
    application = ApplicationFactory(candidate=CandidateFactory(email=CANDIDATE), stage=Stage.SCREENING)
    return OutboundMessageFactory(
        application=application, status=OutboundMessage.Status.SENT, message_id=message_id_for("check_in:1")
    )


def test_a_spoofed_email_from_a_candidate_shows_as_unverified_and_owes_no_reply(client, sent):
    inbound = _receive_email(
        _email(sender=CANDIDATE, to="hello@northwind.example", in_reply_to=sent.message_id, words="Please withdraw me.")
    )

    assert (inbound.status, inbound.verified) == (InboundMessage.Status.ACCEPTED, False)
    assert not _open(sent.application, Reason.REPLY_OWED)
    client.force_login(sent.application.owner)
    replies = client.get(reverse("outbox_replies")).content.decode()
    timeline = client.get(reverse("candidate_detail", args=[sent.candidate_id])).content.decode()
    assert "unverified sender" in replies and "without the signed reply address" in replies
    assert "unverified sender" in timeline and "Unverified reply by email" in timeline


@pytest.mark.parametrize("status", [OutboundMessage.Status.HELD, OutboundMessage.Status.CANCELLED, "queued"])
def test_a_reply_to_a_message_that_never_went_out_matches_nothing(sent, status):
    OutboundMessage.objects.filter(pk=sent.pk).update(status=status)

    by_message_id = _receive_email(_email(sender=CANDIDATE, to="hello@northwind.example", in_reply_to=sent.message_id))
    by_address = _receive_email(
        _email(sender=CANDIDATE, to=reply_address(sent.pk), words="Second try."), recipient=reply_address(sent.pk)
    )

    assert by_message_id.status == by_address.status == InboundMessage.Status.REJECTED
    assert "never sent" in by_address.reason and "that was sent" in by_message_id.reason
    assert not ContactEvent.objects.exists()


def _results(verdict: str, *, server: str = "mx.northwind.example", domain: str = "mail.example") -> str:
    return (
        f"Authentication-Results: {server}; spf=pass smtp.mailfrom={domain}; dmarc={verdict} header.from={domain}\r\n"
    )


def test_a_dmarc_failure_makes_even_a_signed_reply_unverified(sent):
    # The reply address leaked (a forwarded email): the receiving server says the From is not the candidate's.
    # A header the sender wrote lower down, claiming a pass, is not heard.
    headers = _results("fail") + _results("pass", server="attacker.example")

    inbound = _receive_email(_email(sender=CANDIDATE, to=reply_address(sent.pk), headers=headers))

    assert (inbound.status, inbound.verified) == (InboundMessage.Status.ACCEPTED, False)
    assert "DMARC" in inbound.reason
    assert not _open(sent.application, Reason.REPLY_OWED)


def test_only_the_named_receiving_server_is_heard(sent, settings):
    settings.INLOOP_INBOUND_AUTHSERV_ID = "mx.northwind.example"
    headers = _results("fail", server="relay.elsewhere.example") + _results("pass")

    inbound = _receive_email(_email(sender=CANDIDATE, to=reply_address(sent.pk), headers=headers))

    assert inbound.verified and _open(sent.application, Reason.REPLY_OWED)


@pytest.mark.parametrize(("verdict", "verified"), [("pass", True), ("fail", False), ("none", True)])
def test_without_a_reply_domain_the_recipients_reply_by_message_id_is_judged_by_dmarc(
    sent, settings, verdict, verified
):
    settings.INLOOP_REPLY_DOMAIN = ""

    inbound = _receive_email(
        _email(sender=CANDIDATE, to="sam@northwind.example", in_reply_to=sent.message_id, headers=_results(verdict))
    )

    assert (inbound.status, inbound.verified) == (InboundMessage.Status.ACCEPTED, verified)
    assert bool(_open(sent.application, Reason.REPLY_OWED)) == verified


def test_a_dmarc_verdict_for_another_domain_says_nothing_about_the_sender(sent, settings):
    settings.INLOOP_REPLY_DOMAIN = ""
    headers = _results("fail", domain="other.example")

    inbound = _receive_email(
        _email(sender=CANDIDATE, to="sam@northwind.example", in_reply_to=sent.message_id, headers=headers)
    )

    assert inbound.verified


def test_message_ids_cannot_be_worked_out_from_their_key_and_stay_the_same_for_each_try(settings):
    key = "check_in:17:2026-12-01"

    first, again = message_id_for(key), message_id_for(key)
    settings.SECRET_KEY = "another-secret-key-" * 3
    with_another_secret = message_id_for(key)

    assert first == again
    assert hashlib.sha256(key.encode()).hexdigest()[:40] not in first
    assert with_another_secret != first
