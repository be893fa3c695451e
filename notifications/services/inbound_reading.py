"""Reading an email that came back, defensively: its sender, subject, date, recipients, the Message-IDs
it answers, whether it is automatic, the receiving server's DMARC verdict, its words, and how deep its parts
are nested. Nothing a sender writes raises here. Also the threading headers of an answer to a stored reply.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from django.conf import settings

from notifications import inbound_text
from notifications.models import InboundMessage

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


def _stored(text: str) -> str:
    """Text as the database keeps it: PostgreSQL refuses the NUL character, which a sender may write."""
    return text.replace("\x00", "\ufffd")


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 (a header the parser cannot make sense of is a header we do without)
        return ""
    return _stored(str(value or ""))


def _addresses(message: EmailMessage, name: str, *, header: object = None) -> list[tuple[str, str]]:
    """The addresses of the header `name` (`header`: its value, when the caller has read it already)."""
    try:
        header = message.get(name) if header is None else header
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


def email_read(message: EmailMessage, *, envelope_recipient: str) -> Reading:
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
        try:
            value = message.get(name)
        except Exception:  # noqa: BLE001 (as in _header: a header we cannot read names nobody)
            value = None
        if value is None:
            continue
        # Each header parsed once: its addresses, then any address its text holds.
        reading.recipients += [address for _name, address in _addresses(message, name, header=value)]
        raw = _stored(str(value))
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


def part_depth(message: EmailMessage) -> int:
    """How many levels of parts the message has, counted without recursion."""
    deepest, waiting = 0, [(message, 1)]
    while waiting:
        part, depth = waiting.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_PART_DEPTH and part.is_multipart():
            waiting.extend((inner, depth + 1) for inner in part.get_payload())
    return deepest
