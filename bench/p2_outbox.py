"""P2: outbox throughput. 10,000 messages into a local SMTP sink, three senders side by side in one run.

1. The raw ceiling: a bare smtplib loop that builds each message with the standard library's email
   package (as any sender must: subject, text and HTML parts, Message-ID) and hands it to the sink, on
   one connection and on four (threads), with nothing else to do. Replaying pre-built bytes instead
   would measure smtplib and the sink alone (about 1,000 msg/s on one connection here), not sending.
2. Our outbox: 10,000 queued OutboundMessage rows (each for its own application, so that every send also
   records the contact and resets the candidate's clock, as in production), one worker host (a Celery
   worker, prefork, with the pool docker-compose.yml gives it, 4 processes, unless --concurrency says
   otherwise), woken by one relay run.
   Timed from the relay until every row is `sent`.
3. django-post-office's `send_queued_mail` on the same messages and sink, in its own environment
   (.run/bench-venv, the `bench` extra of pyproject.toml) with its defaults; run with one process and
   with one per core, the better of the two counts.

Targets (docs/benchmarks.md, issue 23): ours >= 0.8 x the raw ceiling (the better of its two figures) and
>= 1.3 x post-office's best, in each of three runs made one after the other (--runs). The sink counts by
Message-ID, so a duplicate would show.

    .venv/bin/python -m bench.p2_outbox [--messages N] [--concurrency N] [--runs N] [--no-post-office]
"""

import argparse
import json
import os
import smtplib
import subprocess
import sys
import threading
import time
import tomllib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path

from bench.support import (
    ROOT,
    WORKER_CONCURRENCY,
    Row,
    SmtpSink,
    celery_worker,
    django_start,
    private_redis,
    report,
    wait_for,
)
from bench.support_mail import FROM_ADDRESS, sample_message

BENCH_VENV = ROOT / ".run" / "bench-venv"
CORES = os.cpu_count() or 1


# ---------------------------------------------------------------- 1. the raw ceiling


def raw_message(number: int) -> tuple[str, bytes]:
    """Message `number` built with the standard library alone: what a bare loop has to do per message."""
    sample = sample_message(number)
    message = EmailMessage()
    message["From"] = FROM_ADDRESS
    message["To"] = sample["to"]
    message["Subject"] = sample["subject"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"raw{number}", domain="bench.localhost")
    message.set_content(sample["text"])
    message.add_alternative(sample["html"], subtype="html")
    return sample["to"], message.as_bytes(policy=SMTP)


def raw_send(port: int, count: int, connections: int) -> float:
    """Seconds to build and hand `count` messages to the sink over `connections` parallel SMTP connections."""
    errors: list[BaseException] = []

    def send(numbers: range) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                for number in numbers:
                    to, payload = raw_message(number)
                    smtp.sendmail(FROM_ADDRESS, [to], payload)
        except Exception as error:  # reported below, from the main thread
            errors.append(error)

    threads = [threading.Thread(target=send, args=(range(i, count, connections),)) for i in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - start


# ---------------------------------------------------------------- 2. our outbox


def outbox_seed(count: int, *, run: int = 1) -> None:
    """`count` applications, each with one queued message due now (written in bulk: this is set-up).

    Each run has candidates of its own: a candidate told today would have their next message held to
    tomorrow (one automated email a day)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from candidates.models import Candidate
    from notifications.models import OutboundMessage
    from recruiting.models import Application, Client, Job, RecruiterProfile, Stage

    user, created = get_user_model().objects.get_or_create(
        username="bench-recruiter", defaults={"email": "recruiter@firm.example"}
    )
    if created:
        RecruiterProfile.objects.create(user=user)
    client, _ = Client.objects.get_or_create(name="A client of the firm", defaults={"industry": "logistics"})
    job = Job.objects.create(client=client, title="Site Supervisor", owner=user)
    now = timezone.now()
    # Candidates' addresses are unique: each run's its own.
    samples = [sample_message(number) for number in range((run - 1) * count, run * count)]
    candidates = Candidate.objects.bulk_create(
        [Candidate(first_name=s["first_name"], email=s["to"], owner=user) for s in samples], batch_size=1000
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
                subject=s["subject"],
                body_text=s["text"],
                body_html=s["html"],
                to_address=s["to"],
                status=OutboundMessage.Status.QUEUED,
                send_after=now,
                idempotency_key=f"bench-p2-{run}-{number}",
            )
            for number, (application, s) in enumerate(zip(applications, samples, strict=True))
        ],
        batch_size=1000,
    )
    # Statistics as autovacuum keeps them on a live database (it analyzes a table once a tenth of it has
    # changed): without them the planner takes the freshly written tables for empty ones and reads each
    # batch's facts by scanning them whole, slower with every run (480, 343, 280 msg/s in three runs).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def outbox_send(env: dict[str, str], sink: SmtpSink, count: int, concurrency: int, *, run: int = 1) -> float:
    """Seconds from the relay run until every row of this run is sent, with one worker host."""
    from notifications.models import OutboundMessage
    from notifications.services.relay import messages_relay

    sent = OutboundMessage.objects.filter(
        status=OutboundMessage.Status.SENT, idempotency_key__startswith=f"bench-p2-{run}-"
    )
    with celery_worker(env, name="bench-p2", concurrency=concurrency):
        start = time.perf_counter()
        messages_relay()
        wait_for(lambda: sink.count() >= count, timeout=1800, what=f"{count} messages at the sink", interval=0.2)
        wait_for(lambda: sent.count() >= count, timeout=120, what="every row marked sent", interval=0.2)
        return time.perf_counter() - start


# ---------------------------------------------------------------- 3. django-post-office


def _bench_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    carried = [req for req in project["dependencies"] if req.lower().startswith(("django>", "psycopg"))]
    return [*project["optional-dependencies"]["bench"], *carried]


def bench_venv() -> Path:
    """The separate environment of the comparison, created (or refreshed) when its requirements change."""
    requirements = _bench_requirements()
    stamp = BENCH_VENV / "requirements.json"
    python = BENCH_VENV / "bin" / "python"
    if not (python.exists() and stamp.exists() and json.loads(stamp.read_text()) == requirements):
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(BENCH_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *requirements], check=True)
        stamp.write_text(json.dumps(requirements))
    return python


def post_office_send(sink: SmtpSink, count: int, processes: int) -> float:
    from bench.support import database_recreate

    python = bench_venv()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.postoffice_settings",
        "DATABASE_URL": database_recreate("postoffice"),
        "EMAIL_PORT": str(sink.port),
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [str(python), "-m", "bench.postoffice_run", str(count), str(processes)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    if outcome["sent"] != count:
        raise RuntimeError(f"post-office sent {outcome['sent']} of {count}")
    return outcome["seconds"]


# ---------------------------------------------------------------- the run

CEILING_SHARE = 0.8  # at least this share of the raw ceiling
POST_OFFICE_FACTOR = 1.3  # at least this many times post-office's best


def one_run(number: int, env: dict[str, str], sink: SmtpSink, arguments) -> dict[str, float]:
    """The three senders side by side on `count` messages: their rates (msg/s), and the outbox's duplicates."""
    count, rates = arguments.messages, {}
    for connections in (1, 4):
        sink.reset()
        seconds = raw_send(sink.port, count, connections)
        stats = sink.stats()
        assert stats["distinct"] == count and stats["duplicates"] == 0, stats
        rates[f"raw{connections}"] = count / seconds
    sink.reset()
    outbox_seed(count, run=number)
    rates["ours"] = count / outbox_send(env, sink, count, arguments.concurrency, run=number)
    outbox_stats = sink.stats()
    rates["distinct"], rates["duplicates"] = outbox_stats["distinct"], outbox_stats["duplicates"]
    rates["post-office"] = 0.0
    for processes in () if arguments.no_post_office else sorted({1, CORES}):
        sink.reset()
        rates[f"post-office x{processes}"] = count / post_office_send(sink, count, processes)
        rates["post-office"] = max(rates["post-office"], rates[f"post-office x{processes}"])
    return rates


def run_rows(number: int, rates: dict[str, float], arguments) -> list[Row]:
    ceiling = max(rates["raw1"], rates["raw4"])
    post_office = [
        Row(f"  django-post-office send_queued_mail, {k.split('x')[1]} process(es)", v, "msg/s")
        for k, v in rates.items()
        if k.startswith("post-office x")
    ]
    against_post_office = (
        Row(f"  Inloop / best post-office (run {number})", rates["ours"] / rates["post-office"], "x",
            f">= {POST_OFFICE_FACTOR:g}", rates["ours"] >= POST_OFFICE_FACTOR * rates["post-office"])
        if rates["post-office"]
        else Row("  Inloop / best post-office: not measured (--no-post-office)", None, "", f">= {POST_OFFICE_FACTOR:g}")
    )  # fmt: skip
    return [
        Row(f"run {number}: raw smtplib loop, 1 connection", rates["raw1"], "msg/s"),
        Row("  raw smtplib loop, 4 connections", rates["raw4"], "msg/s"),
        *post_office,
        Row(f"  Inloop outbox, 1 worker host ({arguments.concurrency} processes)", rates["ours"], "msg/s"),
        Row(f"  Inloop / raw ceiling (run {number})", rates["ours"] / ceiling, "x", f">= {CEILING_SHARE:g}",
            rates["ours"] >= CEILING_SHARE * ceiling),
        against_post_office,
        Row(f"  duplicates at the sink (outbox, run {number})", rates["duplicates"], "", "0", rates["duplicates"] == 0),
        Row("  distinct Message-IDs at the sink (outbox)", rates["distinct"], "", f"{arguments.messages:,}",
            rates["distinct"] == arguments.messages),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=WORKER_CONCURRENCY,
        help=f"worker pool processes (default: {WORKER_CONCURRENCY}, as docker-compose.yml runs the worker)",
    )
    parser.add_argument("--runs", type=int, default=3, help="side-by-side runs, one after the other (default 3)")
    parser.add_argument(
        "--no-post-office", action="store_true", help="leave django-post-office out (its comparison is not made)"
    )
    arguments = parser.parse_args(argv)
    rows: list[Row] = []
    with private_redis() as broker, SmtpSink() as sink:
        env = django_start("p2", broker_url=broker, smtp_port=sink.port)
        for number in range(1, arguments.runs + 1):
            rates = one_run(number, env, sink, arguments)
            rows += run_rows(number, rates, arguments)
            print(f"run {number}: " + ", ".join(f"{k} {v:,.0f}" for k, v in rates.items()), flush=True)
    return report(f"P2 outbox throughput, {arguments.messages:,} messages, {arguments.runs} run(s)", rows)


if __name__ == "__main__":
    sys.exit(main())
