"""What every fault drill stands on: a private broker, an SMTP sink, real workers, outbox rows in bulk.

Each drill gets its own redis-server (tests/support/redis_server.py) as the broker, for the workers it
starts and for this test process, so that it can stop the broker without touching anyone else's and
never meets a task left over by another test. Candidates in the drills have no time zone, hence no
send window: business hours are not what these drills are about (F11 is), and without a window a drill
behaves the same at night and on a Sunday. The drills whose work waits for a business morning (client
chases, digests) travel to one, their workers with them (`celery_worker(..., same_clock=True)`).
"""

from contextlib import contextmanager
from pathlib import Path

import pytest
from django.utils import timezone

from candidates.models import Candidate
from notifications.models import OutboundMessage
from notifications.services.outbox import message_id_for
from recruiting.models import Application, Stage
from tests.factories import CandidateFactory, JobFactory, UserFactory
from tests.support.redis_server import RedisServer
from tests.support.smtp_sink import SmtpSink


@contextmanager
def _celery_app_on(url: str):
    """Point this process's Celery app (its producer pool) at `url`, and back afterwards.

    Celery reads CELERY_BROKER_URL from the environment before its configuration, so the broker is
    changed through the read and write URLs, which the configuration decides unless their own
    environment variables are set.
    """
    from kombu import pools

    from inloop.celery import app

    def repoint(target: str | None) -> None:
        # kombu keeps one pool per broker address for the whole process: drop them all, or a later drill
        # on the same address would be handed the pool closed here.
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.broker_write_url = target
        app.conf.broker_read_url = target

    repoint(url)
    try:
        yield app
    finally:
        repoint(None)


@pytest.fixture
def broker(requires_redis):
    """A private redis-server that this process's Celery app publishes to; `broker.stop()` is an outage."""
    with RedisServer() as server, _celery_app_on(server.url):
        yield server


@pytest.fixture
def sink():
    with SmtpSink(stall_seconds=60) as server:
        yield server


@pytest.fixture
def recruiter(db):
    return UserFactory(email="recruiter@firm.example")


def queued_messages(*, count: int, owner) -> list[OutboundMessage]:
    """`count` applications, each with one message queued and due now, written in bulk (set-up only)."""
    job = JobFactory(owner=owner)
    candidates = Candidate.objects.bulk_create(CandidateFactory.build_batch(count, owner=owner, time_zone=""))
    now = timezone.now()
    applications = Application.objects.bulk_create(
        Application(candidate=c, job=job, owner=owner, stage=Stage.SCREENING, created_at=now) for c in candidates
    )
    return OutboundMessage.objects.bulk_create(
        OutboundMessage(
            candidate=application.candidate,
            application=application,
            template_code="screening",
            subject="Your application: an update",
            body_text=f"Hello {application.candidate.first_name}, a short update on your application.\n",
            to_address=application.candidate.email,
            status=OutboundMessage.Status.QUEUED,
            send_after=now,
            idempotency_key=f"drill:{application.pk}",
            message_id=message_id_for(f"drill:{application.pk}"),
        )
        for application in applications
    )


def pool_pids(parent: int) -> set[int]:
    """The pool processes of a worker: the children of its main process (read from /proc)."""
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                children.add(int(entry.name))
    return children
