"""The bytes of an ordinary email, written directly: what the standard library would write, without its cost.

Django's `EmailMessage.message()` builds the standard library's message: every header is parsed into an
object when it is set and folded again when the message is written, about twenty header objects a
message, the largest part of a sending worker's own time. For the emails the outbox sends almost always
(ASCII headers that fit on a line, plain addresses, a text part and perhaps an HTML part, no attachment)
the result is known in advance: each header is written as it was given. `ordinary_bytes` writes those
emails directly (notifications.backends uses it) and leaves every other email (a non-ASCII or very long
header, a quoted or international address, an attachment, ...) to the standard library. The bytes are
the same either way, the boundary's random token and the Date included (tests/notifications/
test_mime_bytes.py compares them); the body parts are encoded by the standard library's own function,
so their transfer encoding is chosen alike.
"""

import random
import re
import sys
from datetime import UTC, datetime
from email import contentmanager
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.utils import format_datetime
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDR_SPEC = rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
# One mailbox: `local@domain`, or `Display Name <local@domain>` with a name of plain words.
_MAILBOX = re.compile(rf"(?:{_ATOM}(?: {_ATOM})* <(?P<inner>{_ADDR_SPEC})>|(?P<bare>{_ADDR_SPEC}))")
# A header value written as given: printable ASCII, no surrounding space, nothing that reads as an
# RFC 2047 encoded word (the standard library would decode and encode it again).
_PLAIN_VALUE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
# Far inside RFC 5322's 998: a longer header is folded by the standard library.
_LINE_LIMIT = 900
# The headers message() writes itself, or that would clash with the parts' own.
_OWN_HEADERS = frozenset({"from", "to", "cc", "bcc", "reply-to", "date", "subject", "mime-version", "message-id"})
_HEADER_NAME = re.compile(r"[A-Za-z0-9-]+")
_HEADER_CLASSES = HeaderRegistry()
_NEWLINES = re.compile(r"\r\n|\r|\n")
_CRLF = "\r\n"
# The generator's boundary token: a random number, zero-padded to the width of the largest.
_TOKEN_FORMAT = f"%0{len(repr(sys.maxsize - 1))}d"


def envelope_address(address: object) -> str | None:
    """The addr-spec of a plain ASCII mailbox (what the SMTP backend's prep_address gives for it), or None
    for anything else, left to prep_address."""
    if not isinstance(address, str) or "=?" in address or (match := _MAILBOX.fullmatch(address)) is None:
        return None
    return match["inner"] or match["bare"]


@lru_cache(maxsize=256)
def _unstructured(name: str) -> bool:
    """Whether the standard library writes a header of this name as given (a Resent-Date, an address
    header and the like are parsed, and written its own way: they are left to it)."""
    return issubclass(_HEADER_CLASSES[name], UnstructuredHeader)


def _plain(name: str, value: object) -> str | None:
    if (
        not isinstance(value, str)
        or len(name) + 2 + len(value) > _LINE_LIMIT
        or "=?" in value
        or _PLAIN_VALUE.fullmatch(value) is None
    ):
        return None
    return f"{name}: {value}{_CRLF}"


def _address_list(name: str, addresses: list) -> str | None:
    if not all(isinstance(each, str) and _MAILBOX.fullmatch(each) for each in addresses):
        return None
    return _plain(name, ", ".join(addresses))


def _headers(email_message: EmailMessage) -> list[str] | None:
    """The message's own headers in message()'s order, each on its line; None when one is not plain."""
    extra = email_message.extra_headers
    if (
        not isinstance(email_message.subject, str)
        or "Message-ID" not in extra
        or any(not isinstance(name, str) or name.lower() in _OWN_HEADERS for name in extra if name != "Message-ID")
        or any(name.lower().startswith("content-") for name in extra)
    ):
        return None
    lines = [
        _plain("Subject", email_message.subject),
        _address_list("From", [email_message.from_email]),
        _address_list("To", email_message.to) if email_message.to else "",
        _address_list("Reply-To", email_message.reply_to) if email_message.reply_to else "",
        _plain("Date", format_datetime(datetime.now(UTC))),
        *(_plain(name, value) for name, value in extra.items()),
    ]
    if any(line is None for line in lines) or not all(
        _HEADER_NAME.fullmatch(name) and (name == "Message-ID" or _unstructured(name)) for name in extra
    ):
        return None
    return lines


def _part(content: str, subtype: str, *, mime_version: bool, policy) -> str | None:
    """A text part as set_content writes it (Content-Type, Content-Transfer-Encoding, then MIME-Version
    on a part of its own), its body encoded by the standard library; None when the body needs 8 bits."""
    if not isinstance(content, str):
        return None
    cte, payload = contentmanager._encode_text(content, "utf-8", None, policy)
    if cte == "8bit":
        return None
    version = f"MIME-Version: 1.0{_CRLF}" if mime_version else ""
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{_CRLF}Content-Transfer-Encoding: {cte}{_CRLF}{version}{_CRLF}'
        + _NEWLINES.sub(_CRLF, payload)
    )


def _boundary(text: bytes) -> str:
    """The standard library generator's boundary (the same random draw, the same ".0", ".1" ... after a
    clash) without the regular expression it compiles for each message: the boundary clashes with `text`
    when a line of it is the boundary's delimiter, "--" and the boundary, with or without a closing "--"."""
    boundary = "=" * 15 + _TOKEN_FORMAT % random.randrange(sys.maxsize) + "=="
    candidate, counter, lines = boundary, 0, None
    while (marker := b"--" + candidate.encode("ascii")) in text:
        lines = set(text.split(b"\n")) if lines is None else lines
        if marker not in lines and marker + b"--" not in lines:
            break
        candidate, counter = f"{boundary}.{counter}", counter + 1
    return candidate


def ordinary_bytes(email_message: EmailMessage, *, policy) -> bytes | None:
    """`email_message.message(policy=policy).as_bytes()` with the policy's header lines unfolded up to
    998 columns (the SMTP backend's WIRE_POLICY), for an ordinary email; None for any other, which the
    standard library must build. `policy` is the SMTP policy (CRLF, 78 columns for the bodies)."""
    if (
        type(email_message) not in (EmailMessage, EmailMultiAlternatives)
        or email_message.attachments
        or email_message.cc
        or email_message.encoding is not None
        or settings.DEFAULT_CHARSET.lower() != "utf-8"
        or settings.EMAIL_USE_LOCALTIME
        or email_message.content_subtype != "plain"
        or not email_message.body
    ):
        return None
    alternatives = getattr(email_message, "alternatives", [])
    if len(alternatives) > 1 or (alternatives and alternatives[0].mimetype != "text/html"):
        return None
    try:
        text = _part(email_message.body, "plain", mime_version=not alternatives, policy=policy)
        html = _part(alternatives[0].content, "html", mime_version=True, policy=policy) if alternatives else ""
    except UnicodeError:
        return None
    headers = _headers(email_message)
    if text is None or html is None or headers is None:
        return None
    if not alternatives:
        return "".join([text.partition(_CRLF * 2)[0] + _CRLF, *headers, _CRLF, text.partition(_CRLF * 2)[2]]).encode(
            "ascii"
        )
    boundary = _boundary(_CRLF.join((text, html)).encode("ascii"))
    return "".join(
        [
            f'MIME-Version: 1.0{_CRLF}Content-Type: multipart/alternative; boundary="{boundary}"{_CRLF}',
            *headers,
            _CRLF,
            f"--{boundary}{_CRLF}{text}{_CRLF}--{boundary}{_CRLF}{html}{_CRLF}--{boundary}--{_CRLF}",
        ]
    ).encode("ascii")
