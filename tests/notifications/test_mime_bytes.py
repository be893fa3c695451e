"""The email written directly (notifications.mime) is byte for byte the standard library's: the SMTP backend
hands over the same bytes and the same envelope whichever writes them (ordinary, non-ASCII, long-header,
IDN and quoted cases; those the direct writer does not take are left to the standard library)."""

import datetime as dt
import random
from email.generator import BytesGenerator

import pytest
import time_machine
from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers

from notifications import mime
from notifications.backends import MESSAGE_POLICY, WIRE_POLICY, SMTPBackend, wire_bytes
from notifications.services import sending
from tests.factories import CandidateFactory, JobFactory

UNSUBSCRIBE = "<https://inloop.example/c/unsubscribe/1.1:1xaHas:sFVt7CONkh9mBmdBmtj4PqrCJ_PUUEj5ywbXCvolS38/>"
LONG_LINE = "A line of the body far longer than seventy-eight columns, so that it goes quoted-printable. " * 3
HTML = '<p>Hello Avery,</p>\n<p><a href="https://inloop.example/c/status/1/">Where it stands</a></p>\n'


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, 7, tzinfo=dt.UTC), tick=False):
        yield


def email(
    *,
    subject="Your application for Site Supervisor: an update",
    body="Hello Avery,\n\nThank you for your patience.\n",
    html=HTML,
    from_email="Sam Rivers via Inloop <inloop@firm.example>",
    to=("candidate0@mail.example",),
    reply_to=("recruiter@firm.example",),
    headers=None,
) -> EmailMessage:
    headers = {
        "Message-ID": "<49e527cba9b067489fd260826611aed30b7df699@inloop.example>",
        "List-Unsubscribe": UNSUBSCRIBE,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    } | (headers or {})
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email, to=list(to), reply_to=list(reply_to), headers=headers
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def standard(message: EmailMessage) -> bytes:
    random.seed(23)
    return message.message(policy=MESSAGE_POLICY).as_bytes(policy=WIRE_POLICY)


def written(message: EmailMessage) -> bytes:
    random.seed(23)
    return wire_bytes(message)


def direct(message: EmailMessage) -> bytes | None:
    random.seed(23)
    return mime.ordinary_bytes(message, policy=MESSAGE_POLICY)


ORDINARY = {
    "the outbox's usual email": {},
    "text only": {"html": ""},
    "long body lines (quoted-printable)": {"body": f"Hello,\n\n{LONG_LINE}\n\nKind regards\n", "html": LONG_LINE},
    "a header longer than 78 columns": {"headers": {"List-Unsubscribe": f"<https://inloop.example/{'x' * 400}/>"}},
    "no reply-to, two recipients": {"reply_to": (), "to": ("a@mail.example", "Bo Li <b@mail.example>")},
    "a thread's headers": {"headers": {"In-Reply-To": "<a@m.example>", "References": "<z@x.example> <a@m.example>"}},
    "boundary-like lines and From lines": {"body": "From here\n--===============1==\n.\r\nCR\rend", "html": "--x--\n"},
    "punctuation and double spaces in the subject": {"subject": 'Re:  your (new) "offer"; a, b <c> @ d \\ e'},
    "a body without its last newline": {"body": "Hello", "html": "<p>Hello</p>"},
    "non-ASCII in a long body line (quoted-printable)": {"body": f"Ça avance, José. {LONG_LINE}\n"},
}  # fmt: skip

LEFT_TO_THE_STANDARD_LIBRARY = {
    "a non-ASCII subject": {"subject": "Votre candidature : ça avance"},
    "a non-ASCII display name": {"from_email": "José Müller via Inloop <inloop@firm.example>"},
    "an IDN recipient": {"to": ("anna@bücher.example",)},
    "an international local part": {"to": ("jose.müller@example.com",)},
    "a quoted display name": {"from_email": '"Sam J. Rivers via Inloop" <inloop@firm.example>'},
    "a header beyond 998 columns": {"headers": {"List-Unsubscribe": f"<https://inloop.example/{'x' * 1200}/>"}},
    "a header near the limit": {"headers": {"X-Long": "y" * 950}},
    "an encoded word in the subject": {"subject": "=?utf-8?q?caf=C3=A9?= news"},
    "a subject with surrounding spaces": {"subject": "  spaced  "},
    "a non-ASCII body in short lines (8 bits)": {"body": "Ça avance, José.\n"},
    "a date of its own": {"headers": {"Date": "Wed, 04 Mar 2026 09:00:00 +0000"}},
    "no Message-ID": {"headers": {"Message-ID": None}},
    "a header the standard library parses (a date)": {"headers": {"Resent-Date": "not a date"}},
    "an address header of its own": {"headers": {"Sender": "inloop@firm.example"}},
}


@pytest.mark.parametrize("case", ORDINARY)
def test_an_ordinary_email_is_written_directly_byte_for_byte_as_the_standard_library_writes_it(case):
    message = email(**ORDINARY[case])
    assert direct(message) is not None
    assert direct(message) == standard(message)
    assert written(message) == standard(message)


@pytest.mark.parametrize("case", LEFT_TO_THE_STANDARD_LIBRARY)
def test_any_other_email_is_left_to_the_standard_library(case):
    fields = LEFT_TO_THE_STANDARD_LIBRARY[case]
    if fields.get("headers", {}).get("Message-ID", "") is None:
        message = email()
        del message.extra_headers["Message-ID"]
    else:
        message = email(**fields)
    assert direct(message) is None
    if case != "an international local part":  # only ever sent with SMTPUTF8 (test_smtputf8.py)
        assert written(message) == standard(message)


def test_a_single_part_email_and_its_headers_in_message_order():
    message = EmailMessage(
        subject="Hi", body="Hello\n", from_email="a@firm.example", to=["b@m.example"], headers={"Message-ID": "<m@x>"}
    )
    assert direct(message) == standard(message)
    assert direct(message).startswith(b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit')


@pytest.mark.parametrize(
    "address",
    [
        "candidate0@mail.example",
        "Sam Rivers via Inloop <inloop@firm.example>",
        "O'Brien-Smith <first.last+tag@sub.mail.example>",
        "localhost-only@localhost",
    ],
)
def test_the_envelope_address_of_a_plain_mailbox_is_prep_addresses(settings, address):
    settings.MAILERS = {"default": {"BACKEND": "notifications.backends.SMTPBackend", "OPTIONS": {"host": "127.0.0.1"}}}
    backend = mailers.default
    assert isinstance(backend, SMTPBackend)
    assert mime.envelope_address(address) == backend.prep_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "a@bücher.example",
        "jose.müller@example.com",
        '"J. R." <a@b.example>',
        "a@b.example, c@d.example",
        "a..b@c",
        "x",
        "=?utf-8?q?x?=@example.com",
    ],
)
def test_any_other_envelope_address_is_left_to_prep_address(address):
    assert mime.envelope_address(address) is None


@pytest.mark.django_db
def test_the_outboxs_own_email_is_written_directly_and_the_same():
    job = JobFactory()
    candidate = CandidateFactory(first_name="Avery", email="avery@mail.example")
    message = sending.OutboundMessage.objects.create(
        candidate=candidate,
        template_code="screening",
        subject=f"Your application for {job.title}",
        body_text=f"Hello Avery,\n\n{LONG_LINE}\n",
        body_html=f"<p>{LONG_LINE}</p>",
        to_address=candidate.email,
        idempotency_key="mime-bytes-1",
    )
    built = sending._email_for(message)
    assert direct(built) is not None
    assert direct(built) == standard(built)


def _drawn_boundary(seed: int) -> str:
    random.seed(seed)
    return BytesGenerator._make_boundary()


@pytest.mark.parametrize(
    "lines",
    [
        [],  # no clash
        ["{b}"],  # the delimiter on a line of its own: the next candidate
        ["{b}--", "{b}.0"],  # the closing delimiter, then the first fallback too
        ["x{b}", "{b} ", "{b}\r"],  # inside a line, or followed by more: not a clash
        ["{b}.0--", "{b}"],
    ],
)
def test_the_boundary_is_the_standard_librarys_for_the_same_draw(lines):
    drawn = _drawn_boundary(5)
    text = "\n".join(["first line", *(line.format(b="--" + drawn) for line in lines), "last"]).encode("ascii")
    random.seed(5)
    expected = BytesGenerator._make_boundary(text)
    random.seed(5)
    assert mime._boundary(text) == expected
