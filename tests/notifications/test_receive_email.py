"""`manage.py receive_email` run as a mail server runs it: a process fed raw bytes on standard input."""

import subprocess
import sys
from pathlib import Path

import pytest

from notifications.models import InboundMessage
from notifications.services.reply_addresses import reply_address
from recruiting.models import ContactEvent, RecruiterPrompt
from tests.factories import ApplicationFactory, CandidateFactory, OutboundMessageFactory
from tests.support.processes import ROOT, worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

CORPUS = Path(__file__).parents[1] / "notifications" / "inbound_corpus"
DOMAIN = "reply.northwind.example"


@pytest.fixture
def sent(requires_postgres, settings):
    settings.INLOOP_REPLY_DOMAIN = DOMAIN
    application = ApplicationFactory(candidate=CandidateFactory(email="ana.ferreira@mail.example"))
    return OutboundMessageFactory(application=application, status="sent", message_id="<pipe-1@inloop.example>")


def _pipe(raw: bytes, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "receive_email", *args],
        input=raw,
        capture_output=True,
        cwd=ROOT,
        env=worker_env(INLOOP_REPLY_DOMAIN=DOMAIN, **env),
        timeout=60,
        check=False,
    )


def _raw(name: str, message) -> bytes:
    return (
        (CORPUS / name)
        .read_bytes()
        .replace(b"{{REPLY_TO}}", reply_address(message.pk).encode())
        .replace(b"{{MESSAGE_ID}}", message.message_id.encode())
        .replace(b"{{CANDIDATE}}", b"ana.ferreira@mail.example")
    )


def test_a_piped_reply_lands_on_the_timeline_and_exits_zero(sent):
    result = _pipe(_raw("gmail_multipart_alternative.eml", sent), "--recipient", reply_address(sent.pk))
    assert result.returncode == 0, result.stderr.decode()
    inbound = InboundMessage.objects.get()
    assert result.stdout.decode().strip() == f"inbound #{inbound.pk} accepted"
    assert inbound.source == "pipe" and inbound.recipient == reply_address(sent.pk)
    assert ContactEvent.objects.get(direction="inbound").application_id == sent.application_id
    assert RecruiterPrompt.objects.filter(reason="reply_owed", application=sent.application).exists()


def test_a_piped_forgery_is_stored_rejected_and_not_bounced(sent):
    raw = _raw("forged_token.eml", sent).replace(b"{{FORGED}}", f"reply+{sent.pk}-{'a' * 20}@{DOMAIN}".encode())
    result = _pipe(raw)
    assert result.returncode == 0
    assert "rejected: the reply address" in result.stdout.decode()
    assert InboundMessage.objects.get().status == InboundMessage.Status.REJECTED


def test_an_oversized_email_is_read_to_the_end_and_rejected(sent):
    body = b"x" * (3 * 1024 * 1024)
    raw = b"From: ana.ferreira@mail.example\r\nTo: " + reply_address(sent.pk).encode() + b"\r\n\r\n" + body
    result = _pipe(raw, INLOOP_INBOUND_MAX_BYTES=str(1024 * 1024))
    assert result.returncode == 0, result.stderr.decode()
    inbound = InboundMessage.objects.get()
    assert inbound.raw_size == len(raw) and inbound.reason.startswith(f"too large: {len(raw)} bytes")


def test_without_a_database_the_mail_server_is_told_to_try_again(sent):
    result = _pipe(
        _raw("gmail_multipart_alternative.eml", sent), DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere"
    )
    assert result.returncode == 75
    assert "could not be stored; the mail server will retry" in result.stderr.decode()
    assert not InboundMessage.objects.exists()
