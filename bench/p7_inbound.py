"""P7: inbound replies. Any reply up to the size limit read in at most 1 s, hostile texts included; 1,000
replies through the provider's webhook at no fewer than 50 a second.

1. Each text below, as the plain (or HTML) part of a reply to a sent message, made as large as the size
   limit allows (INLOOP_INBOUND_MAX_BYTES, the raw email), goes through
   `notifications.services.inbound.inbound_email_receive` (parsing, the reply's own words cut from the
   quoted rest, matching, storing, the contact on the timeline): its time, each held to 1 s.
2. `--replies` replies (Postmark's JSON, the raw email inside) to as many sent messages, each posted to
   the inbound webhook through Django's test client (basic auth, the whole middleware stack): replies
   a second over the lot.

    .venv/bin/python -m bench.p7_inbound [--replies N]
"""

import argparse
import base64
import json
import sys
import time
from email.message import EmailMessage
from email.policy import SMTP

from bench.support import Row, django_start, percentile, report

PARSE_SECONDS = 1.0
REPLIES_PER_SECOND = 50.0
SECRET = "bench-hooks:a-long-webhook-password"  # noqa: S105 (a benchmark of its own database)
DOMAIN = "reply.bench.example"
ORDINARY = "Hi Sam,\n\nTuesday at 10 works for me. Should I bring my portfolio?\n\nAna\n"
# Repeated until the email reaches the size limit: what reply parsers are known to choke on.
HOSTILE = {
    "ordinary reply, padded with quoted lines": ORDINARY + "On Mon, 2 Nov 2026, Sam wrote:\n" + "> earlier words\n",
    "one line of '>' without end": ">",
    "quote markers nested deeper each line": "> " * 40 + "x\n",
    "'On ... wrote:' on every line": "On Mon, 2 Nov 2026 at 16:02, Sam Okafor <sam@firm.example> wrote:\n",
    "'On' lines that never say wrote": "On Mon, 2 Nov 2026 at 16:02, Sam Okafor and then ",
    "signature separators": "-- \n",
    "forward markers": "---------- Forwarded message ---------\n-----Original Message-----\n",
    "one word, no space, no line end": "x",
    "spaces and tabs": " \t",
    "non-breaking spaces, emoji and private-use characters": "\u00a0😀\ue000é ",
    "underscores (Outlook's rule)": "_" * 32 + "\n",
}
HOSTILE_HTML = {
    "HTML: tags nested without end": "<div>",
    "HTML: a '<' never closed": "<",
    "HTML: comments never closed": "<!--",
    "HTML: blockquotes nested": "<blockquote>> x",
    "HTML: attributes never closed": '<a href="',
}


def reply_email(text: str, *, html: bool, to: str, sender: str, in_reply_to: str, limit: int) -> bytes:
    """A reply whose part is `text` repeated up to what the size limit leaves room for."""

    def build(body: str) -> bytes:
        message = EmailMessage(policy=SMTP)
        message["From"] = f"Ana Ferreira <{sender}>"
        message["To"] = to
        message["Subject"] = "Re: Your application"
        message["Message-ID"] = f"<bench-p7-{abs(hash(body[:64]))}-{len(body)}@mail.example>"
        message["In-Reply-To"] = in_reply_to or "<unknown@mail.example>"
        message.set_content(body, subtype="html" if html else "plain")
        return message.as_bytes()

    body = text * (limit // len(text.encode()) + 1)
    raw = build(body)
    while len(raw) > limit:  # the transfer encoding makes the email larger than its text
        body = body[: int(len(body) * limit / len(raw) * 0.995)]
        raw = build(body)
    return raw


def parse_all(limit: int) -> list[tuple[str, float, int, str]]:
    """(name, seconds, raw size, status) for each text, each a reply to a sent message of its own."""
    from notifications.models import OutboundMessage
    from notifications.services.inbound import inbound_email_receive
    from notifications.services.reply_addresses import reply_address

    texts = [(name, text, False) for name, text in HOSTILE.items()]
    texts += [(name, text, True) for name, text in HOSTILE_HTML.items()]
    sent = list(OutboundMessage.objects.filter(status="sent").order_by("pk")[: len(texts)])
    results = []
    for (name, text, html), message in zip(texts, sent, strict=True):
        raw = reply_email(
            text,
            html=html,
            to=reply_address(message.pk),
            sender=message.to_address,
            in_reply_to=message.message_id,
            limit=limit,
        )
        started = time.perf_counter()
        inbound = inbound_email_receive(raw_bytes=raw, source="bench:p7", envelope_recipient=reply_address(message.pk))
        results.append((name, time.perf_counter() - started, len(raw), inbound.status))
    return results


def postmark_json(message) -> str:
    from notifications.services.reply_addresses import reply_address

    to = reply_address(message.pk)
    sender = message.to_address
    raw = reply_email(ORDINARY, html=False, to=to, sender=sender, in_reply_to=message.message_id, limit=10_000).decode()
    return json.dumps(
        {
            "FromName": "Ana Ferreira",
            "MessageStream": "inbound",
            "From": sender,
            "FromFull": {"Email": sender, "Name": "Ana Ferreira", "MailboxHash": ""},
            "To": to,
            "ToFull": [{"Email": to, "Name": "", "MailboxHash": ""}],
            "OriginalRecipient": to,
            "Subject": "Re: Your application",
            "MessageID": f"bench-p7-{message.pk}",
            "Date": "Tue, 3 Nov 2026 10:15:00 +0000",
            "TextBody": ORDINARY,
            "Headers": [],
            "RawEmail": raw,
            "Attachments": [],
        }
    )


def webhook_all(count: int, skip: int) -> tuple[float, list[float], int]:
    """Seconds for `count` webhook posts, each post's milliseconds, and how many landed on a timeline."""
    from django.test import Client
    from django.urls import reverse

    from notifications.models import OutboundMessage
    from recruiting.models import ContactEvent

    url = reverse("notifications:inbound_webhook", args=["postmark"])
    auth = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}
    messages = list(OutboundMessage.objects.filter(status="sent").order_by("pk")[skip : skip + count])
    posts = [postmark_json(message) for message in messages]
    before = ContactEvent.objects.filter(direction="inbound").count()
    client, times = Client(), []
    started = time.perf_counter()
    for post in posts:
        begun = time.perf_counter()
        response = client.post(url, post, content_type="application/json", **auth)
        times.append((time.perf_counter() - begun) * 1000)
        assert response.status_code == 200, response.status_code
    seconds = time.perf_counter() - started
    return seconds, times, ContactEvent.objects.filter(direction="inbound").count() - before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=1_000)
    count = parser.parse_args(argv).replies
    env = {
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "INLOOP_INBOUND_ESP": "postmark",
        "ANYMAIL_WEBHOOK_SECRET": SECRET,
        "INLOOP_REPLY_DOMAIN": DOMAIN,
    }
    django_start("p7", extra_env=env)
    from django.conf import settings

    from bench.support_data import firm_seed

    texts = len(HOSTILE) + len(HOSTILE_HTML)
    firm_seed(applications=texts + count, recruiters=5, jobs=20)
    limit = settings.INLOOP_INBOUND_MAX_BYTES
    parsed = parse_all(limit)
    seconds, times, landed = webhook_all(count, skip=texts)
    rows = [
        Row(f"{name} ({size / 1e6:.1f} MB, {status})", took, "s", f"<= {PARSE_SECONDS:g}", took <= PARSE_SECONDS)
        for name, took, size, status in parsed
    ]
    rate = count / seconds
    rows += [
        Row(f"{count:,} replies through the webhook", rate, "replies/s", f">= {REPLIES_PER_SECOND:g}",
            rate >= REPLIES_PER_SECOND),
        Row("  median post", percentile(times, 0.5), "ms"),
        Row("  p95 post", percentile(times, 0.95), "ms"),
        Row("  replies on a timeline", landed, "", f"{count:,}", landed == count),
    ]  # fmt: skip
    return report(f"P7 inbound replies (size limit {limit / 1e6:.1f} MB)", rows)


if __name__ == "__main__":
    sys.exit(main())
