"""F5: beat started twice, the scan and the digests run concurrently.

Must hold: one prompt per overdue application, one digest per recruiter per day.

Two beats publish the same task at the same tick; that is what this drill does, for two ticks in a row:
each tick publishes the overdue scan and the digest job twice, and two worker hosts (two pool processes
each) run them at the same time, scans racing scans and digests racing the scan that opens the prompts
they report. The digests go out through the outbox to the SMTP sink, where each recruiter must find one.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from inloop.celery import app
from notifications.models import MessageTemplate, OutboundMessage
from recruiting.models import RecruiterPrompt, Stage
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory, UserFactory
from tests.support.processes import celery_worker, wait_for, worker_env

RECRUITERS = 4
OVERDUE_EACH = 30
TASKS = ("recruiting.tasks.scan_overdue", "notifications.tasks.digests.send_digests")
# Digests go out on a business morning of the recipient's zone (and client chases in business hours): the
# drills and their workers (same_clock) run on a Wednesday at 10:00 in London, whatever the day, with the
# digest window open from 09:00.
BUSINESS_MORNING = datetime(2026, 11, 18, 10, tzinfo=UTC)
ZONE = "Europe/London"
DIGEST_HOUR = 9


def drained(app, nodes: int) -> bool:
    """Nothing waits in the queues and no worker has a task in hand."""
    with app.connection_for_write() as connection:
        client = connection.default_channel.client
        if any(client.llen(queue) for queue in ("default", "mail")):
            return False
    inspect = app.control.inspect(timeout=1.0)
    active, reserved = inspect.active() or {}, inspect.reserved() or {}
    return len(active) == nodes and not any(active.values()) and not any(reserved.values())


@pytest.mark.django_db(transaction=True)
def test_f5_two_beats_and_concurrent_scans_give_one_prompt_per_application_and_one_digest_per_recruiter(
    requires_postgres, broker, sink, time_machine
):
    time_machine.move_to(BUSINESS_MORNING, tick=True)
    recruiters = UserFactory.create_batch(RECRUITERS, profile__time_zone=ZONE)
    now = timezone.now()
    overdue = []
    for recruiter in recruiters:
        job = JobFactory(owner=recruiter)
        for hours in range(OVERDUE_EACH):
            overdue.append(
                ApplicationFactory(
                    job=job,
                    candidate=CandidateFactory(owner=recruiter),
                    stage=Stage.SCREENING,
                    created_at=now - timedelta(days=10),
                    next_update_due=now - timedelta(hours=hours + 1),
                )
            )
        ApplicationFactory(
            job=job, candidate=CandidateFactory(owner=recruiter), next_update_due=now + timedelta(days=3)
        )

    env = worker_env(
        smtp_port=sink.port,
        CELERY_BROKER_URL=broker.url,
        INLOOP_DIGEST_HOUR=str(DIGEST_HOUR),
        INLOOP_DIGEST_WINDOW_HOURS="3",
    )
    with (
        celery_worker(env, name="f5-host-a", concurrency=2, same_clock=True),
        celery_worker(env, name="f5-host-b", concurrency=2, same_clock=True),
    ):
        for _tick in range(2):
            for _beat in range(2):
                for task in TASKS:
                    app.send_task(task)
        wait_for(
            lambda: sink.count() >= RECRUITERS and drained(app, nodes=2),
            timeout=120,
            interval=0.5,
            what="both ticks of both beats to be processed and the digests sent",
        )

    open_overdue = RecruiterPrompt.objects.filter(reason=RecruiterPrompt.Reason.OVERDUE, resolved_at__isnull=True)
    per_application = dict(open_overdue.values_list("application").annotate(n=Count("pk")).order_by())
    assert per_application == dict.fromkeys((a.pk for a in overdue), 1)

    digests = OutboundMessage.objects.filter(template_code=MessageTemplate.Code.DIGEST)
    assert sorted(digests.values_list("recipient_user", flat=True)) == sorted(r.pk for r in recruiters)
    assert set(digests.values_list("status", flat=True)) == {OutboundMessage.Status.SENT}
    delivered = sorted(address for item in sink.received for address in item.recipients)
    assert delivered == sorted(r.email for r in recruiters)
