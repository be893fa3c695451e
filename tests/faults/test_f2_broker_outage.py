"""F2: Redis (the broker) stopped while 200 stage changes are made.

Must hold: every change saved, each request answers within 2 s; once Redis is back, every message is
sent exactly once. The stage changes go through the workspace's move form (the Django test client, so
the whole request stack runs); a real worker runs through the outage; the relay stands in for beat.
"""

import time

import pytest
from django.db.models import Count
from django.urls import reverse

from notifications.models import OutboundMessage
from notifications.services.relay import messages_relay
from recruiting.models import Stage, StageChange, StagePolicy
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory
from tests.support.processes import celery_worker, wait_for, worker_env

CHANGES = 200
# A fault bar, not a performance figure: a recruiter's click must not hang on a dead broker.
REQUEST_BOUND_SECONDS = 2.0


@pytest.mark.django_db(transaction=True)
def test_f2_stage_changes_during_a_broker_outage_are_saved_and_each_message_sent_once_after(
    requires_postgres, broker, sink, recruiter, client
):
    StagePolicy.objects.update_or_create(stage=Stage.SCREENING, defaults={"hold_minutes": 0})
    job = JobFactory(owner=recruiter)
    applications = [
        ApplicationFactory(job=job, candidate=CandidateFactory(owner=recruiter, time_zone=""), owner=recruiter)
        for _ in range(CHANGES)
    ]
    client.force_login(recruiter)

    env = worker_env(smtp_port=sink.port, CELERY_BROKER_URL=broker.url)
    with celery_worker(env, name="f2", concurrency=2) as worker:
        broker.stop()

        durations = []
        for application in applications:
            started = time.perf_counter()
            response = client.post(reverse("application_move", args=[application.pk]), {"to_stage": Stage.SCREENING})
            durations.append(time.perf_counter() - started)
            assert response.status_code == 302, response.content[:500]

        assert max(durations) < REQUEST_BOUND_SECONDS, f"slowest request {max(durations):.2f} s"
        assert StageChange.objects.filter(to_stage=Stage.SCREENING).count() == CHANGES
        messages = OutboundMessage.objects.filter(application__in=applications)
        assert messages.filter(status=OutboundMessage.Status.QUEUED).count() == CHANGES
        assert sink.count() == 0

        broker.start()

        def all_sent() -> bool:
            messages_relay()  # what beat does every minute
            return messages.filter(status=OutboundMessage.Status.SENT).count() == CHANGES

        try:
            wait_for(all_sent, timeout=120, interval=1.0, what=f"{CHANGES} messages sent after the outage")
        except AssertionError as error:
            statuses = dict(messages.values_list("status").annotate(n=Count("pk")).order_by())
            raise AssertionError(f"{error} Statuses: {statuses}. Worker log:\n{worker.log()[-4000:]}") from None
        assert worker.alive(), worker.log()[-4000:]

    expected = set(messages.values_list("message_id", flat=True))
    assert len(expected) == CHANGES
    assert sink.message_ids() == dict.fromkeys(expected, 1)
