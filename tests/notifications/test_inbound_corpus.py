"""The corpus of raw emails in inbound_corpus/: each lands on the application it answers, with the new
words only, or is rejected with its reason; nothing raises and nothing is lost."""

import logging
from email.message import EmailMessage
from pathlib import Path

import pytest

from notifications.models import InboundMessage, OutboundMessage
from notifications.services.inbound import inbound_email_receive
from notifications.services.reply_addresses import reply_address
from recruiting.models import AuditLog, ContactEvent, RecruiterPrompt
from tests.factories import ApplicationFactory, CandidateFactory, OutboundMessageFactory

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "inbound_corpus"
DOMAIN = "reply.northwind.example"
CANDIDATE = "ana.ferreira@mail.example"


@pytest.fixture(autouse=True)
def reply_domain(settings):
    settings.INLOOP_REPLY_DOMAIN = DOMAIN
    settings.INLOOP_INBOUND_MAX_BYTES = 5 * 1024 * 1024


@pytest.fixture
def sent() -> OutboundMessage:
    application = ApplicationFactory(candidate=CandidateFactory(email=CANDIDATE))
    return OutboundMessageFactory(application=application, status="sent", message_id="<a1b2c3@inloop.example>")


def _raw(name: str, message: OutboundMessage) -> bytes:
    address = reply_address(message.pk)
    forged = address.replace(address.split("-")[1][:4], "0000")
    return (
        (CORPUS / name)
        .read_bytes()
        .replace(b"{{REPLY_TO}}", address.encode())
        .replace(b"{{MESSAGE_ID}}", message.message_id.encode())
        .replace(b"{{CANDIDATE}}", CANDIDATE.encode())
        .replace(b"{{FORGED}}", forged.encode())
    )


def _receive(name: str, message: OutboundMessage) -> InboundMessage:
    return inbound_email_receive(raw_bytes=_raw(name, message), source="pipe")


def _reply_owed(message: OutboundMessage) -> RecruiterPrompt | None:
    return RecruiterPrompt.objects.filter(
        application=message.application, reason=RecruiterPrompt.Reason.REPLY_OWED, resolved_at__isnull=True
    ).first()


ACCEPTED_REPLIES = [
    # (file, words that must be there, words of the history or signature that must not)
    (
        "gmail_multipart_alternative.eml",
        ["Tuesday at 10 works for me. Should I bring my portfolio?"],
        ["would like to meet you", "wrote:"],
    ),
    (
        "outlook_html_only_quoted_printable.eml",
        ["I have accepted another offer, so please withdraw me", "help & patience"],
        ["would like to meet you", "Sent:", "<div", "margin:0"],
    ),
    (
        "apple_mail_base64_bottom_posting.eml",
        ["Thanks for the update.", "Could you tell me roughly when they expect to decide?"],
        ["has not decided yet", "Sent from my iPhone"],
    ),
    ("latin1_quoted_printable.eml", ["Très bien, à mardi prochain. Je serai là à 10 h."], ["aimerait vous rencontrer"]),
    ("windows1252_labelled_latin1.eml", ["The \u201cstart date\u201d works \u2013 and the \u20ac55,000 salary"], []),
]


@pytest.mark.parametrize(("name", "kept", "dropped"), ACCEPTED_REPLIES, ids=[row[0] for row in ACCEPTED_REPLIES])
def test_a_reply_lands_on_its_application_with_the_new_words_only(sent, name, kept, dropped):
    inbound = _receive(name, sent)

    assert (inbound.status, inbound.reason) == (InboundMessage.Status.ACCEPTED, "")
    assert inbound.message == sent and inbound.application == sent.application
    assert inbound.from_candidate and inbound.verified and not inbound.automatic
    for words in kept:
        assert words in inbound.text
    for words in dropped:
        assert words not in inbound.text
    contact = inbound.contact
    assert (contact.application, contact.direction, contact.channel) == (
        sent.application,
        ContactEvent.Direction.INBOUND,
        ContactEvent.Channel.EMAIL,
    )
    assert kept[0] in contact.summary
    prompt = _reply_owed(sent)
    assert prompt is not None and prompt.recruiter_id == sent.application.owner_id
    assert bytes(inbound.raw).startswith(b"From:") or b"From:" in bytes(inbound.raw)[:500]


def test_a_reply_does_not_reset_the_clock(sent):
    before = (sent.application.last_informed_at, sent.application.next_update_due)
    _receive("gmail_multipart_alternative.eml", sent)
    sent.application.refresh_from_db()
    assert (sent.application.last_informed_at, sent.application.next_update_due) == before


def test_the_latin1_subject_and_sender_name_are_decoded(sent):
    inbound = _receive("latin1_quoted_printable.eml", sent)
    assert inbound.subject == "Re: Entretien à venir"
    assert inbound.sender_name == "Anaïs Ferreira"


@pytest.mark.parametrize(
    "name", ["out_of_office_auto_submitted.eml", "delivery_report_to_reply_address.eml"], ids=["ooo", "dsn"]
)
def test_automatic_answers_are_recorded_but_prompt_nobody(sent, name):
    inbound = _receive(name, sent)
    assert inbound.status == InboundMessage.Status.ACCEPTED
    assert inbound.automatic
    assert inbound.contact.summary.startswith("Automatic answer")
    assert _reply_owed(sent) is None


def test_the_delivery_report_keeps_its_human_readable_part(sent):
    inbound = _receive("delivery_report_to_reply_address.eml", sent)
    assert "could not\nbe delivered" in inbound.text


def test_a_reply_from_someone_else_is_shown_as_such(sent):
    inbound = _receive("forwarded_then_answered_by_someone_else.eml", sent)
    assert inbound.status == InboundMessage.Status.ACCEPTED
    assert not inbound.from_candidate
    assert "can only take calls after 6 pm" in inbound.text
    assert "Forwarded message" not in inbound.text and "meet you next week" not in inbound.text
    assert "from joao.ferreira@family.example, not the candidate's address" in inbound.contact.summary
    assert "Someone other than the candidate" in _reply_owed(sent).detail


REJECTED = [
    ("broken_headers.eml", "no readable sender address"),
    ("forged_token.eml", "a token we did not sign"),
    ("answers_nothing_of_ours.eml", "answers no message of ours"),
]


@pytest.mark.parametrize(("name", "reason"), REJECTED, ids=[row[0] for row in REJECTED])
def test_what_cannot_be_matched_is_stored_as_a_rejection_with_its_reason(sent, name, reason, caplog):
    with caplog.at_level(logging.WARNING, logger="notifications.services.inbound"):
        inbound = _receive(name, sent)
    assert inbound.status == InboundMessage.Status.REJECTED
    assert reason in inbound.reason
    assert inbound.application is None and inbound.contact is None
    assert bytes(inbound.raw) == _raw(name, sent)
    assert ContactEvent.objects.count() == 0 and _reply_owed(sent) is None
    assert AuditLog.objects.filter(action="inbound.reject", object_id=inbound.pk).exists()
    assert f"Inbound email #{inbound.pk} from pipe rejected: {inbound.reason}" in caplog.text
    assert "mallory@attacker.example" not in caplog.text


def _with_attachment(sent: OutboundMessage, size: int) -> bytes:
    message = EmailMessage()
    message["From"] = CANDIDATE
    message["To"] = reply_address(sent.pk)
    message["Subject"] = "Re: Your application, with my portfolio"
    message.set_content("Here is my portfolio.")
    message.add_attachment(b"\x00" * size, maintype="application", subtype="zip", filename="portfolio.zip")
    return message.as_bytes()


def test_a_ten_megabyte_attachment_is_rejected_as_too_large_and_its_start_kept(sent, settings):
    settings.INLOOP_INBOUND_RAW_KEEP_BYTES = 64 * 1024
    raw = _with_attachment(sent, 10 * 1024 * 1024)
    inbound = inbound_email_receive(raw_bytes=raw, source="pipe")
    assert inbound.status == InboundMessage.Status.REJECTED
    assert inbound.reason.startswith(f"too large: {len(raw)} bytes")
    assert inbound.raw_size == len(raw) and bytes(inbound.raw) == raw[: 64 * 1024]
    assert inbound.subject == "Re: Your application, with my portfolio" and inbound.sender == CANDIDATE
    assert _reply_owed(sent) is None


def test_a_small_attachment_is_not_kept_but_the_reply_is(sent, caplog):
    with caplog.at_level(logging.WARNING, logger="notifications.services.inbound"):
        inbound = inbound_email_receive(raw_bytes=_with_attachment(sent, 20_000), source="pipe")
    assert f"Inbound email #{inbound.pk}: 1 attachment(s) not kept" in caplog.text
    assert inbound.status == InboundMessage.Status.ACCEPTED
    assert inbound.attachments == 1
    assert "Here is my portfolio." in inbound.text and "1 attachment(s) not kept" in inbound.contact.summary


def test_the_same_email_delivered_twice_is_kept_once(sent):
    first = _receive("gmail_multipart_alternative.eml", sent)
    second = _receive("gmail_multipart_alternative.eml", sent)
    assert first.pk == second.pk
    assert InboundMessage.objects.count() == 1 and ContactEvent.objects.count() == 1


def test_a_second_reply_joins_the_reply_already_owed(sent):
    _receive("gmail_multipart_alternative.eml", sent)
    _receive("latin1_quoted_printable.eml", sent)
    assert ContactEvent.objects.filter(direction="inbound").count() == 2
    assert RecruiterPrompt.objects.filter(reason=RecruiterPrompt.Reason.REPLY_OWED).count() == 1


def test_a_token_naming_a_deleted_message_is_rejected(sent):
    raw = _raw("gmail_multipart_alternative.eml", sent).replace(sent.message_id.encode(), b"<gone@x>")
    sent.delete()
    inbound = inbound_email_receive(raw_bytes=raw, source="pipe")
    assert inbound.status == InboundMessage.Status.REJECTED
    assert "names a message we no longer have" in inbound.reason


def test_a_reply_to_an_erased_candidate_keeps_nothing_of_them(sent):
    sent.candidate.erased_at = sent.created_at
    sent.candidate.save()
    inbound = _receive("gmail_multipart_alternative.eml", sent)
    assert inbound.status == InboundMessage.Status.REJECTED
    assert (bytes(inbound.raw), inbound.text, inbound.sender, inbound.subject) == (b"", "", "", "")


@pytest.mark.parametrize("raw", [b"", b"\x00\xff\xfe garbage \x80" * 50, b"From: a@b\n\n" + b"\xff" * 1000])
def test_garbage_is_a_rejection_never_an_error(sent, raw):
    inbound = inbound_email_receive(raw_bytes=raw, source="pipe")
    assert inbound.status == InboundMessage.Status.REJECTED


def test_replies_are_off_without_a_reply_domain(sent, settings):
    raw = _raw("forged_token.eml", sent)
    settings.INLOOP_REPLY_DOMAIN = ""
    inbound = inbound_email_receive(raw_bytes=raw, source="pipe")
    assert inbound.reason == "it answers no message of ours that was sent (no reply address, no known Message-ID)"


def test_a_reply_by_message_id_alone_is_kept_unverified_and_owes_nothing(sent):
    # It came to no signed reply address: its From header proves nothing, so nobody is prompted by it.
    inbound = _receive("outlook_top_posting_references_only.eml", sent)

    assert (inbound.status, inbound.message, inbound.verified) == (InboundMessage.Status.ACCEPTED, sent, False)
    assert "without the signed reply address" in inbound.reason
    assert "Yes, please put me forward for the role." in inbound.text
    assert "may we put you forward" not in inbound.text and "Sent:" not in inbound.text
    assert inbound.contact.summary.startswith("Unverified reply by email")
    assert _reply_owed(sent) is None


def test_without_a_reply_domain_a_reply_by_message_id_from_the_recipient_is_verified(sent, settings):
    # In-Reply-To is then the only way back, and our Message-IDs cannot be worked out.
    raw = _raw("outlook_top_posting_references_only.eml", sent)
    settings.INLOOP_REPLY_DOMAIN = ""
    inbound = inbound_email_receive(raw_bytes=raw, source="pipe")

    assert (inbound.status, inbound.verified, inbound.reason) == (InboundMessage.Status.ACCEPTED, True, "")
    assert _reply_owed(sent) is not None


def test_a_known_message_id_alone_does_not_let_a_stranger_in(sent):
    raw = _raw("outlook_top_posting_references_only.eml", sent).replace(
        f"<{CANDIDATE}>".encode(), b"<stranger@attacker.example>", 1
    )
    inbound = inbound_email_receive(raw_bytes=raw, source="pipe")
    assert inbound.status == InboundMessage.Status.REJECTED
    assert inbound.reason == "it names one of our messages but has no reply address and is not from its recipient"
    assert _reply_owed(sent) is None
