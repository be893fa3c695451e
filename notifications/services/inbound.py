"""Email that comes back: replies to our messages, automatic answers and delivery reports.

`manage.py receive_email` (a mail server's pipe) and the provider's inbound webhook bring the raw message here.
Every message is stored once, then matched to the outbox message it answers and handed to the pipeline as an
inbound contact, or rejected with its reason; nothing a sender writes raises here. A reply counts as its sender's
only when verified (its signed reply address, or our Message-ID quoted from the address that message went to, and
no DMARC failure); an unverified one is kept, marked so, and opens nothing (docs/rules.md#replies; "Replies" in
docs/architecture.md).

How a message is read (headers, words, DMARC verdict): notifications.services.inbound_reading.
"""

import hashlib
import logging
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from anymail.signals import inbound
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import inbound_text
from notifications.models import InboundMessage, MessageStatus, MessageTemplate, OutboundMessage
from notifications.services.inbound_reading import MAX_PART_DEPTH, Reading, email_read, part_depth
from notifications.services.reply_addresses import reply_token_check
from recruiting.audit import audit_log_record
from recruiting.models import ACTIVE_STAGES, Application
from recruiting.services.client_replies import ClientReplyWords, client_reply_record
from recruiting.services.replies import reply_record

logger = logging.getLogger(__name__)
Status = InboundMessage.Status

# Messages that reached the mail server: the only ones anybody can have answered.
HANDED_OVER = (MessageStatus.SENT, MessageStatus.UNKNOWN)


@dataclass(frozen=True)
class Match:
    """The outbox message an email answers, and whether the email is verified to come from its recipient."""

    message: OutboundMessage
    verified: bool
    # Why it is not verified, in words for the recruiter.
    doubt: str = ""


def _match(reading: Reading) -> tuple[Match | None, str]:
    """The outbox message this one answers and how sure we are of its sender, or why there is none."""
    problem = ""
    # With what a reply is recorded on: the message's application with its candidate (_with_candidate).
    handed_over = OutboundMessage.objects.filter(status__in=HANDED_OVER).select_related("application__candidate")
    for address in reading.recipients:
        check = reply_token_check(address)
        if check is None:
            continue
        if check.message_id is None:
            problem = check.problem
            continue
        found = _with_candidate(handed_over.filter(pk=check.message_id).first())
        if found is not None:
            return _verdict(found, reading, doubt=""), ""
        problem = "its reply address names a message we no longer have, or one that was never sent"
    if reading.references:
        found = _with_candidate(
            handed_over.filter(message_id__in=reading.references[-20:]).order_by("-created_at").first()
        )
        # Without a signed reply address, only the person the message went to may answer it this way.
        if found is not None and reading.sender.lower() == found.to_address.lower():
            doubt = (
                "it came without the signed reply address of the message it answers: its sender is not proven"
                if settings.INLOOP_REPLY_DOMAIN
                else ""
            )
            return _verdict(found, reading, doubt=doubt), ""
        if found is not None:
            problem = problem or "it names one of our messages but has no reply address and is not from its recipient"
    return None, problem or "it answers no message of ours that was sent (no reply address, no known Message-ID)"


def _with_candidate(message: OutboundMessage | None) -> OutboundMessage | None:
    """The message with its candidate: its application's, read with it (one join fewer), when they are the same;
    otherwise read when asked for."""
    if message is not None and message.application_id is not None:
        application = message.application
        if application.candidate_id == message.candidate_id:
            message.candidate = application.candidate
    return message


def _verdict(message: OutboundMessage, reading: Reading, *, doubt: str) -> Match:
    if not doubt and reading.dmarc == "fail":
        doubt = "the receiving server says its From address failed DMARC: it may be forged"
    return Match(message=message, verified=not doubt, doubt=doubt)


def _application_of(message: OutboundMessage) -> Application | None:
    """The application a reply is about: the message's own, or for a message about no single application
    (a fresh status link) the candidate's latest live application."""
    if message.application_id is not None:
        return message.application  # read with the message (_match)
    if message.candidate_id is None:
        return None
    # With its candidate: the reply is recorded on it (do they want to be contacted?).
    candidates = Application.objects.select_related("candidate").filter(candidate_id=message.candidate_id)
    return (
        candidates.filter(stage__in=ACTIVE_STAGES).order_by("-stage_entered_at").first()
        or candidates.order_by("-stage_entered_at").first()
    )


def _summary(reading: Reading, *, from_candidate: bool, text: str, verified: bool) -> str:
    kind = "Automatic answer" if reading.automatic else "Reply"
    kind = kind if verified else f"Unverified {kind.lower()}"
    who = "" if from_candidate else f" from {reading.sender or 'an unknown sender'}, not the candidate's address"
    extra = f"\n\n({reading.attachments} attachment(s) not kept.)" if reading.attachments else ""
    return f"{kind} by email{who}: {reading.subject or '(no subject)'}\n\n{text}{extra}"[:5000]


def _outcome_note(reading: Reading, inbound: InboundMessage, *, nothing: str) -> str:
    if reading.automatic:
        return f" (automatic: {nothing})"
    return "" if inbound.verified else f" (unverified: {nothing})"


def _reject(inbound: InboundMessage, reason: str) -> InboundMessage:
    inbound.status, inbound.reason, inbound.verified = Status.REJECTED, reason[:300], False
    inbound.save()
    audit_log_record(actor=None, action="inbound.reject", obj=inbound, details={"reason": inbound.reason})
    # The sender's address stays out of the log (personal data); the row has it.
    logger.warning("Inbound email #%s from %s rejected: %s", inbound.pk, inbound.source, inbound.reason)
    return inbound


def inbound_post_refuse(*, raw_bytes: bytes, source: str, size: int, reason: str) -> InboundMessage:
    """Store what a route could not hand over as an email (a post too large, or one the provider's format
    could not be read from), with the reason; the same post twice is kept once. Returns the row."""
    digest = hashlib.sha256(raw_bytes + str(size).encode() + b"refused").hexdigest()
    existing = InboundMessage.objects.filter(digest=digest).first()
    if existing is not None:
        return existing
    inbound = InboundMessage(
        source=source[:40], digest=digest, raw=raw_bytes[: settings.INLOOP_INBOUND_RAW_KEEP_BYTES], raw_size=size
    )
    try:
        with transaction.atomic():
            return _reject(inbound, reason)
    except IntegrityError:
        return InboundMessage.objects.get(digest=digest)


def inbound_email_receive(
    *,
    raw_bytes: bytes,
    source: str,
    envelope_recipient: str = "",
    size: int | None = None,
    parsed: EmailMessage | None = None,
):
    """Store one raw email and act on it; returns the InboundMessage (the existing one for a duplicate).

    `size` is the size of the whole message when the caller kept only its start (`raw_bytes`). `parsed`:
    the email already parsed from `raw_bytes`' source by the caller (the provider's webhook), read as it is
    rather than parsed again.
    """
    size = len(raw_bytes) if size is None else size
    digest = hashlib.sha256(raw_bytes + str(size).encode()).hexdigest()
    existing = InboundMessage.objects.filter(digest=digest).first()
    if existing is not None:
        logger.info("Inbound email #%s from %s received again: kept once.", existing.pk, source)
        return existing
    try:
        with transaction.atomic():
            return _receive(
                raw_bytes=raw_bytes,
                source=source,
                envelope_recipient=envelope_recipient,
                size=size,
                digest=digest,
                parsed=parsed,
            )
    except IntegrityError:
        # The same email delivered twice at once: the other delivery stored it.
        return InboundMessage.objects.get(digest=digest)


def _receive(
    *, raw_bytes: bytes, source: str, envelope_recipient: str, size: int, digest: str, parsed: EmailMessage | None
) -> InboundMessage:
    inbound = InboundMessage(
        source=source[:40],
        digest=digest,
        raw=raw_bytes[: settings.INLOOP_INBOUND_RAW_KEEP_BYTES],
        raw_size=size,
        recipient=envelope_recipient[:254],
    )
    try:
        message = parsed if parsed is not None else BytesParser(policy=policy.default).parsebytes(raw_bytes)
        depth = part_depth(message)
        if depth > MAX_PART_DEPTH:
            return _reject(inbound, f"nested too deep: parts inside parts more than {MAX_PART_DEPTH} levels down")
        reading = email_read(message, envelope_recipient=envelope_recipient)
    except RecursionError:
        return _reject(inbound, "nested too deep to read: parts inside parts beyond what can be followed")
    except Exception as error:  # noqa: BLE001 (malformed mail of any kind is stored as a rejection)
        logger.info("Inbound email could not be parsed: %s", type(error).__name__)
        return _reject(inbound, f"unreadable message ({type(error).__name__})")
    inbound.sender, inbound.sender_name = reading.sender, reading.sender_name
    inbound.subject, inbound.sent_date = reading.subject, reading.sent_date
    inbound.header_message_id, inbound.automatic = reading.header_message_id, reading.automatic
    inbound.attachments = min(reading.attachments, 32767)
    if size > settings.INLOOP_INBOUND_MAX_BYTES:
        return _reject(
            inbound, f"too large: {size} bytes, over the limit of {settings.INLOOP_INBOUND_MAX_BYTES} (attachments?)"
        )
    if not reading.sender and not reading.automatic:
        return _reject(inbound, "no readable sender address (broken From header)")
    match, problem = _match(reading)
    if match is None:
        return _reject(inbound, problem)
    answered = inbound.message = match.message
    inbound.verified, inbound.reason = match.verified, match.doubt[:300]
    inbound.recipient = (
        inbound.recipient or next((address for address in reading.recipients if reply_token_check(address)), "")[:254]
    )
    if answered.template_code == MessageTemplate.Code.CLIENT_CHASE:
        return _accept_client_reply(inbound, reading)
    candidate = answered.candidate
    if candidate is not None and candidate.erased_at is not None:
        inbound.raw, inbound.subject, inbound.sender, inbound.sender_name = b"", "", "", ""
        return _reject(inbound, "the candidate's data was erased: nothing of this reply is kept")
    application = _application_of(answered)
    if application is None:
        return _reject(inbound, "the message it answers is about no application")
    return _accept(inbound, reading, application=application)


def _accept(inbound: InboundMessage, reading: Reading, *, application: Application) -> InboundMessage:
    """The words on the application's timeline (the pipeline decides what is owed), then the row."""
    candidate = inbound.message.candidate
    text = reading.text if reading.automatic else inbound_text.latest_reply(reading.text) or reading.text.strip()
    inbound.text = text[:20000]
    inbound.from_candidate = bool(candidate and reading.sender and reading.sender.lower() == candidate.email.lower())
    inbound.application = application
    contact, _prompt = reply_record(
        application=application,
        at=timezone.now(),
        summary=_summary(reading, from_candidate=inbound.from_candidate, text=inbound.text, verified=inbound.verified),
        automatic=reading.automatic,
        from_candidate=inbound.from_candidate,
        verified=inbound.verified,
    )
    inbound.contact, inbound.status = contact, Status.ACCEPTED
    inbound.save()
    audit_log_record(
        actor=None,
        action="inbound.accept",
        obj=inbound,
        details={
            "application": application.pk,
            "message": inbound.message_id,
            "automatic": reading.automatic,
            "verified": inbound.verified,
        },
    )
    logger.info(
        "Inbound email #%s from %s accepted for application #%s%s.",
        inbound.pk,
        inbound.source,
        application.pk,
        _outcome_note(reading, inbound, nothing="no reply owed"),
    )
    if inbound.attachments:
        logger.warning(
            "Inbound email #%s: %s attachment(s) not kept (only the words of a reply are).",
            inbound.pk,
            inbound.attachments,
        )
    return inbound


def _accept_client_reply(inbound: InboundMessage, reading: Reading) -> InboundMessage:
    """A hiring manager's reply to a chase: the pipeline puts it on every application the chase named."""
    text = reading.text if reading.automatic else inbound_text.latest_reply(reading.text) or reading.text.strip()
    words = ClientReplyWords(
        sender=reading.sender,
        subject=reading.subject,
        text=text[:20000],
        automatic=reading.automatic,
        attachments=reading.attachments,
        verified=inbound.verified,
    )
    contacts = client_reply_record(chase_message_id=inbound.message_id, words=words)
    if not contacts:
        inbound.raw, inbound.subject, inbound.sender, inbound.sender_name = b"", "", "", ""
        return _reject(inbound, "the chase it answers names no application whose data we keep")
    inbound.text = words.text
    # The first application links the row to a page; it is tied to no single timeline contact (each
    # application has its own, shown as the client's words, never as a candidate's reply to answer).
    inbound.application_id = contacts[0].application_id
    inbound.status = Status.ACCEPTED
    inbound.save()
    audit_log_record(
        actor=None,
        action="inbound.accept",
        obj=inbound,
        details={
            "applications": [contact.application_id for contact in contacts],
            "message": inbound.message_id,
            "automatic": reading.automatic,
            "verified": inbound.verified,
            "client": True,
        },
    )
    logger.info(
        "Inbound email #%s from %s accepted as a client's reply for %s application(s)%s.",
        inbound.pk,
        inbound.source,
        len(contacts),
        _outcome_note(reading, inbound, nothing="nothing changes"),
    )
    return inbound


class UnwritableEmail(Exception):
    """The provider parsed an email that cannot be written out again (parts nested too deep, for one):
    the webhook stores the post it came in as refused, with this reason."""


def _on_inbound(sender, event, esp_name: str, **kwargs) -> None:
    message = event.message
    try:
        raw = message.as_bytes()
    except Exception:  # noqa: BLE001 (a message the provider parsed but that cannot be serialised as is)
        try:
            raw = message.as_string().encode("utf-8", "surrogateescape")
        except Exception as error:  # noqa: BLE001
            raise UnwritableEmail(f"the email could not be written out ({type(error).__name__})") from error
    inbound_email_receive(
        raw_bytes=raw,
        source=f"webhook:{esp_name.lower()}",
        envelope_recipient=message.envelope_recipient or "",
        parsed=message,
    )


def inbound_signal_connect() -> None:
    """Receive what anymail's inbound webhook views send, once the provider's signature was checked."""
    inbound.connect(_on_inbound, dispatch_uid="notifications.inbound_email_receive")
