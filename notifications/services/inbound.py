"""Email that comes back: replies to our messages, automatic answers and delivery reports.

`manage.py receive_email` (a mail server's pipe) and the provider's inbound webhook bring the raw message here.
Every message is stored once, then matched to the outbox message it answers and handed to the pipeline as an
inbound contact, or rejected with its reason; nothing a sender writes raises here. A reply counts as its sender's
only when verified (its signed reply address, or our Message-ID quoted from the address that message went to, and
no DMARC failure); an unverified one is kept, marked so, and opens nothing (docs/rules.md#replies; "Replies" in
docs/architecture.md).
"""

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from anymail.signals import inbound
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import inbound_text
from notifications.models import InboundMessage, MessageStatus, MessageTemplate, OutboundMessage
from notifications.services.reply_addresses import reply_token_check
from recruiting.audit import audit_log_record
from recruiting.models import ACTIVE_STAGES, Application
from recruiting.services.client_replies import ClientReplyWords, client_reply_record
from recruiting.services.replies import reply_record

logger = logging.getLogger(__name__)
Status = InboundMessage.Status

RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Subjects of automatic answers whose senders set none of the headers that say so.
_AUTOMATIC_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheit|absence|"
    r"undeliver(able|ed)|delivery (status notification|failure|has failed)|mail delivery failed|returned mail)",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
# Parts inside parts deeper than this are no email a person wrote: the standard library (and anything
# that walks the parts) recurses once per level, so such a message is refused before it is read.
MAX_PART_DEPTH = 32
_AUTOMATIC_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply)@", re.IGNORECASE)
# Messages that reached the mail server: the only ones anybody can have answered.
HANDED_OVER = (MessageStatus.SENT, MessageStatus.UNKNOWN)
_DMARC = re.compile(r"\bdmarc\s*=\s*(?P<result>[a-z]+)(?P<properties>[^;]*)", re.IGNORECASE)
_HEADER_FROM = re.compile(r"\bheader\.from\s*=\s*\"?(?P<domain>[^\s;\"]+)", re.IGNORECASE)


@dataclass
class Reading:
    """What the message says about itself, read defensively."""

    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    sent_date: datetime | None = None
    header_message_id: str = ""
    recipients: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    text: str = ""
    attachments: int = 0
    automatic: bool = False
    # The receiving server's DMARC verdict for the From domain: "pass", "fail", or "" (not said).
    dmarc: str = ""


@dataclass(frozen=True)
class Match:
    """The outbox message an email answers, and whether the email is verified to come from its recipient."""

    message: OutboundMessage
    verified: bool
    # Why it is not verified, in words for the recruiter.
    doubt: str = ""


def _stored(text: str) -> str:
    """Text as the database keeps it: PostgreSQL refuses the NUL character, which a sender may write."""
    return text.replace("\x00", "\ufffd")


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 (a header the parser cannot make sense of is a header we do without)
        return ""
    return _stored(str(value or ""))


def _addresses(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    try:
        header = message.get(name)
        found = [
            (_stored(address.display_name), _stored(address.addr_spec)) for address in getattr(header, "addresses", ())
        ]
    except Exception:  # noqa: BLE001
        return []
    # An address the parser could not make out comes back as "<>" or without a domain.
    return [(name, address) for name, address in found if _ADDRESS.match(address)]


def _is_automatic(message: EmailMessage, reading: Reading) -> bool:
    """RFC 3834 Auto-Submitted, the de-facto auto-reply headers, delivery reports, and their usual senders."""
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if any(_header(message, name) for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress")):
        return True
    if _header(message, "Precedence").strip().lower() in ("auto_reply", "bulk", "junk", "list"):
        return True
    if message.get_content_type() == "multipart/report":
        return True
    return bool(_AUTOMATIC_SENDERS.match(reading.sender) or _AUTOMATIC_SUBJECT.match(reading.subject))


def _dmarc(message: EmailMessage, sender: str) -> str:
    """The DMARC result the receiving server wrote for the sender's domain.

    Only the server's own header counts: the one naming INLOOP_INBOUND_AUTHSERV_ID when that is set, else
    the topmost (a server adds its header above those the message arrived with, which anyone can write).
    """
    trusted = settings.INLOOP_INBOUND_AUTHSERV_ID.strip().lower()
    try:
        headers = [str(value) for value in message.get_all("Authentication-Results") or []]
    except Exception:  # noqa: BLE001 (an unreadable header is no evidence either way)
        return ""
    for header in headers:
        server = header.split(";", 1)[0].split()
        if trusted and (not server or server[0].lower() != trusted):
            continue
        verdict = _DMARC.search(header)
        if verdict is None:
            return ""
        named = _HEADER_FROM.search(verdict["properties"])
        domain = sender.rpartition("@")[2].lower()
        if named is not None and named["domain"].lower() != domain:
            return ""
        result = verdict["result"].lower()
        return result if result in ("pass", "fail") else ""
    return ""


def _read(message: EmailMessage, *, envelope_recipient: str) -> Reading:
    reading = Reading()
    senders = _addresses(message, "From")
    if senders:
        reading.sender_name, reading.sender = senders[0][0][:200], senders[0][1][:254]
    reading.subject = " ".join(_header(message, "Subject").split())[:250]
    try:
        date = message.get("Date")
        reading.sent_date = getattr(date, "datetime", None)
    except Exception:  # noqa: BLE001
        reading.sent_date = None
    if reading.sent_date is not None and reading.sent_date.tzinfo is None:
        reading.sent_date = None
    reading.header_message_id = _header(message, "Message-ID").strip()[:250]
    reading.recipients = [envelope_recipient] if envelope_recipient else []
    for name in RECIPIENT_HEADERS:
        reading.recipients += [address for _name, address in _addresses(message, name)]
        raw = _header(message, name)
        reading.recipients += re.findall(r"[\w.+=-]+@[\w.-]+", raw) if raw else []
    for name in ("In-Reply-To", "References"):
        reading.references += _MESSAGE_ID.findall(_header(message, name))
    reading.automatic = _is_automatic(message, reading)
    reading.dmarc = _dmarc(message, reading.sender) if reading.sender else ""
    reading.text = _stored(inbound_text.body_text(message))
    if message.get_content_type() != "multipart/report":
        reading.attachments = sum(1 for _part in message.iter_attachments())
    return reading


def reply_thread(reply: InboundMessage) -> tuple[str, str]:
    """The In-Reply-To and References of an answer to this reply: its Message-ID, and the chain it names
    (its own References, else its In-Reply-To) followed by that Message-ID (RFC 5322, 3.6.4). Empty when
    it has no Message-ID (or it was erased)."""
    found = _MESSAGE_ID.findall(reply.header_message_id)
    if not found:
        return "", ""
    message_id = found[0]
    chain: list[str] = []
    if reply.raw:
        try:
            headers = BytesParser(policy=policy.default).parsebytes(bytes(reply.raw), headersonly=True)
        except Exception:  # noqa: BLE001 (the chain is a courtesy: an answer without it still threads by its parent)
            headers = None
        if headers is not None:
            chain = (
                _MESSAGE_ID.findall(_header(headers, "References"))
                or _MESSAGE_ID.findall(_header(headers, "In-Reply-To"))[:1]
            )
    # Mail clients truncate long chains keeping the first and the latest: so do we.
    chain = [found for found in dict.fromkeys(chain) if found != message_id]
    chain = chain[:1] + chain[1:][-18:]
    return message_id, " ".join([*chain, message_id])


def _match(reading: Reading) -> tuple[Match | None, str]:
    """The outbox message this one answers and how sure we are of its sender, or why there is none."""
    problem = ""
    handed_over = OutboundMessage.objects.filter(status__in=HANDED_OVER).select_related("candidate")
    for address in reading.recipients:
        check = reply_token_check(address)
        if check is None:
            continue
        if check.message_id is None:
            problem = check.problem
            continue
        found = handed_over.filter(pk=check.message_id).first()
        if found is not None:
            return _verdict(found, reading, doubt=""), ""
        problem = "its reply address names a message we no longer have, or one that was never sent"
    if reading.references:
        found = handed_over.filter(message_id__in=reading.references[-20:]).order_by("-created_at").first()
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


def _verdict(message: OutboundMessage, reading: Reading, *, doubt: str) -> Match:
    if not doubt and reading.dmarc == "fail":
        doubt = "the receiving server says its From address failed DMARC: it may be forged"
    return Match(message=message, verified=not doubt, doubt=doubt)


def _application_of(message: OutboundMessage) -> Application | None:
    """The application a reply is about: the message's own, or for a message about no single application
    (a fresh status link) the candidate's latest live application."""
    if message.application_id is not None:
        return Application.objects.filter(pk=message.application_id).first()
    if message.candidate_id is None:
        return None
    candidates = Application.objects.filter(candidate_id=message.candidate_id)
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


def _part_depth(message: EmailMessage) -> int:
    """How many levels of parts the message has, counted without recursion."""
    deepest, waiting = 0, [(message, 1)]
    while waiting:
        part, depth = waiting.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_PART_DEPTH and part.is_multipart():
            waiting.extend((inner, depth + 1) for inner in part.get_payload())
    return deepest


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


def inbound_email_receive(*, raw_bytes: bytes, source: str, envelope_recipient: str = "", size: int | None = None):
    """Store one raw email and act on it; returns the InboundMessage (the existing one for a duplicate).

    `size` is the size of the whole message when the caller kept only its start (`raw_bytes`).
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
                raw_bytes=raw_bytes, source=source, envelope_recipient=envelope_recipient, size=size, digest=digest
            )
    except IntegrityError:
        # The same email delivered twice at once: the other delivery stored it.
        return InboundMessage.objects.get(digest=digest)


def _receive(*, raw_bytes: bytes, source: str, envelope_recipient: str, size: int, digest: str) -> InboundMessage:
    inbound = InboundMessage(
        source=source[:40],
        digest=digest,
        raw=raw_bytes[: settings.INLOOP_INBOUND_RAW_KEEP_BYTES],
        raw_size=size,
        recipient=envelope_recipient[:254],
    )
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw_bytes)
        depth = _part_depth(message)
        if depth > MAX_PART_DEPTH:
            return _reject(inbound, f"nested too deep: parts inside parts more than {MAX_PART_DEPTH} levels down")
        reading = _read(message, envelope_recipient=envelope_recipient)
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
        raw_bytes=raw, source=f"webhook:{esp_name.lower()}", envelope_recipient=message.envelope_recipient or ""
    )


def inbound_signal_connect() -> None:
    """Receive what anymail's inbound webhook views send, once the provider's signature was checked."""
    inbound.connect(_on_inbound, dispatch_uid="notifications.inbound_email_receive")
