"""P4: a stage change to its message handed to SMTP, hold window 0, idle worker. Target: p95 <= 2 s.

A real Celery worker (one host, one process per core) waits on a private Redis. The benchmark moves
applications from new to screening one at a time through `application_move`, the screening stage having
a hold window of 0, and waits for each message at the SMTP sink before the next move, so the worker is
idle each time. The latency of one change runs from the call of the service until the sink received the
message (matched by its Message-ID). Candidates live in a time zone whose business hours are open now, so
that the send window, which is not what P4 measures, holds nothing back.

    .venv/bin/python -m bench.p4_latency [--changes N]
"""

import argparse
import sys
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from bench.p2_outbox import CORES
from bench.support import (
    Row,
    SmtpSink,
    celery_worker,
    django_start,
    percentile,
    private_redis,
    report,
    wait_for,
)

TARGET_P95_SECONDS = 2.0


def open_time_zone(minutes: int) -> str:
    """A time zone whose business hours stay open for the next `minutes` ("" when none is: weekend)."""
    from django.conf import settings
    from django.utils import timezone

    from recruiting import policy, selectors

    now, holidays = timezone.now(), selectors.firm_holidays()
    for offset in range(-12, 15):
        name = "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"
        zone = ZoneInfo(name)
        if all(
            policy.within_business_hours(
                now + timedelta(minutes=m), tz=zone, hours=settings.INLOOP_BUSINESS_HOURS, holidays=holidays
            )
            for m in (0, minutes)
        ):
            return name
    return ""


def seed(count: int, time_zone: str):
    from django.contrib.auth import get_user_model

    from bench.support_mail import sample_message
    from candidates.models import Candidate
    from recruiting.models import Application, Client, Job, RecruiterProfile, Stage, StagePolicy

    user = get_user_model().objects.create_user(username="bench-recruiter", email="recruiter@firm.example")
    RecruiterProfile.objects.create(user=user)
    job = Job.objects.create(
        client=Client.objects.create(name="A client of the firm"), title="Data Analyst", owner=user
    )
    StagePolicy.objects.update_or_create(
        stage=Stage.SCREENING, defaults={"hold_minutes": 0, "notify_candidate": True, "max_silent_business_days": 5}
    )
    samples = [sample_message(number) for number in range(count)]
    candidates = Candidate.objects.bulk_create(
        [Candidate(first_name=s["first_name"], email=s["to"], owner=user, time_zone=time_zone) for s in samples]
    )
    return user, Application.objects.bulk_create(
        [Application(candidate=c, job=job, owner=user, stage=Stage.NEW) for c in candidates]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    count = parser.parse_args(argv).changes
    notes = []
    with private_redis() as broker, SmtpSink() as sink:
        env = django_start("p4", broker_url=broker, smtp_port=sink.port)
        from notifications.models import OutboundMessage
        from recruiting.models import Stage
        from recruiting.services import application_move

        zone = open_time_zone(minutes=30)
        if not zone:
            notes.append("No time zone has open business hours now (a weekend): candidates have no send window.")
        user, applications = seed(count, zone)
        started: dict[int, float] = {}
        with celery_worker(env, name="bench-p4", concurrency=CORES):
            for number, application in enumerate(applications, start=1):
                time.sleep(0.1)  # the worker is idle again before the next change
                started[application.pk] = time.time()
                application_move(application=application, to_stage=Stage.SCREENING, by=user)
                wait_for(lambda n=number: sink.count() >= n, timeout=30, what=f"message {number} at the sink")
        arrivals = sink.stats()["arrivals"]
        message_ids = dict(
            OutboundMessage.objects.filter(application_id__in=started).values_list("application_id", "message_id")
        )
    latencies = [arrivals[message_ids[pk]] - at for pk, at in started.items()]
    p95 = percentile(latencies, 0.95)
    rows = [
        Row("stage changes measured", len(latencies), "", f"{count}", len(latencies) == count),
        Row("median", percentile(latencies, 0.5), "s"),
        Row("p95", p95, "s", f"<= {TARGET_P95_SECONDS:g}", p95 <= TARGET_P95_SECONDS),
        Row("max", max(latencies), "s"),
    ]
    notes.append(f"candidates' time zone: {zone or 'none'}")
    return report("P4 stage change to SMTP hand-over (hold 0, idle worker)", rows, notes)


if __name__ == "__main__":
    sys.exit(main())
