"""P9: texts handed to the fake Twilio server per second, beside the outbox's emails (P2's) in the same run.

1. Emails: P2's outbox part on its own (bench.p2_outbox: queued rows, one worker host woken by one relay
   run, a local SMTP sink), for the figure beside.
2. Texts: as many queued text rows, each for its own candidate on texts with a consent in force, sent by
   the same worker host through Twilio's own library to the fake Twilio (tests/support/fake_twilio.py, a
   real HTTP server on loopback), send-time truth on (each text rendered again as it goes). Timed from
   the relay until every row is `sent`.

Targets: every text handed over once (the fake counts them by number: 0 duplicates, one TextDelivery per
row); the rate is shown beside the emails' with no target of its own (a provider's API, one request per
text, is not an SMTP connection carrying a batch).

    .venv/bin/python -m bench.p8_texts [--messages N] [--concurrency N]
"""

import argparse
import os
import sys
import time
from collections import Counter

from bench.p2_outbox import outbox_seed, outbox_send
from bench.support import Row, SmtpSink, celery_worker, django_start, private_redis, report, wait_for
from tests.support.fake_twilio import FakeTwilio

CORES = os.cpu_count() or 1
KEY_PREFIX = "bench-p8-text-"


def texts_seed(count: int) -> None:
    """`count` applications, each with one queued text due now, its candidate consenting (set-up, in bulk)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from candidates.models import Candidate, TextConsent
    from notifications.models import OutboundMessage
    from recruiting.models import Application, Client, Job, Stage

    user = get_user_model().objects.get(username="bench-recruiter")
    client, _ = Client.objects.get_or_create(name="A client of the firm", defaults={"industry": "logistics"})
    job = Job.objects.create(client=client, title="Forklift Driver", owner=user)
    now = timezone.now()
    numbers = [f"+4479{number:08d}" for number in range(count)]
    candidates = Candidate.objects.bulk_create(
        [
            Candidate(first_name="Sam", email=f"texts{n}@bench.example", owner=user, mobile=number, channel="sms")
            for n, number in enumerate(numbers)
        ],
        batch_size=1000,
    )
    TextConsent.objects.bulk_create(
        [TextConsent(candidate=c, given=True, number=c.mobile, how="spoken", by=user, at=now) for c in candidates],
        batch_size=1000,
    )
    applications = Application.objects.bulk_create(
        [
            Application(candidate=c, job=job, owner=user, stage=Stage.SCREENING, stage_entered_at=now, created_at=now)
            for c in candidates
        ],
        batch_size=1000,
    )
    OutboundMessage.objects.bulk_create(
        [
            OutboundMessage(
                candidate=application.candidate,
                application=application,
                template_code="screening",
                subject="Your application",
                body_text="Written when queued; rendered again as it goes.",
                channel="sms",
                to_number=number,
                status=OutboundMessage.Status.QUEUED,
                send_after=now,
                idempotency_key=f"{KEY_PREFIX}{n}",
            )
            for n, (application, number) in enumerate(zip(applications, numbers, strict=True))
        ],
        batch_size=1000,
    )


def texts_send(env: dict[str, str], twilio: FakeTwilio, count: int, concurrency: int) -> float:
    """Seconds from the relay run until every text row is sent, with one worker host."""
    from notifications.models import OutboundMessage
    from notifications.services.relay import messages_relay

    sent = OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT, idempotency_key__startswith=KEY_PREFIX)
    with celery_worker(env, name="bench-p8", concurrency=concurrency):
        start = time.perf_counter()
        messages_relay()
        wait_for(lambda: len(twilio.received) >= count, timeout=1800, what=f"{count} texts at the fake", interval=0.2)
        wait_for(lambda: sent.count() >= count, timeout=120, what="every text row marked sent", interval=0.2)
        return time.perf_counter() - start


def twilio_environment(twilio: FakeTwilio) -> dict[str, str]:
    return {
        "INLOOP_SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM_NUMBER": "+447700900000",
        "TWILIO_API_BASE_URL": twilio.base_url,
        "INLOOP_SMS_TIMEOUT": "10",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=CORES, help="worker pool processes (default: cores)")
    arguments = parser.parse_args(argv)
    count = arguments.messages
    with private_redis() as broker, SmtpSink() as sink, FakeTwilio() as twilio:
        env = django_start("p9", broker_url=broker, smtp_port=sink.port, extra_env=twilio_environment(twilio))
        outbox_seed(count)
        emails = count / outbox_send(env, sink, count, arguments.concurrency)
        texts_seed(count)
        texts = count / texts_send(env, twilio, count, arguments.concurrency)
        from notifications.models import TextDelivery

        duplicates = sum(times - 1 for times in Counter(text.to for text in twilio.received).values())
        deliveries = TextDelivery.objects.filter(message__idempotency_key__startswith=KEY_PREFIX).count()
    rows = [
        Row(f"emails to the SMTP sink, 1 worker host ({arguments.concurrency} processes)", emails, "msg/s"),
        Row("texts to the fake Twilio, the same worker host", texts, "texts/s"),
        Row("  texts / emails", texts / emails, "x"),
        Row("  texts handed over twice (by number)", duplicates, "", "0", duplicates == 0),
        Row("  one TextDelivery per text row", deliveries, "", f"{count:,}", deliveries == count),
    ]
    return report(f"P9 texts handed to the provider, {count:,} texts beside {count:,} emails", rows)


if __name__ == "__main__":
    sys.exit(main())
