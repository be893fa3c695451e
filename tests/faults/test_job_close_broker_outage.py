"""Closing a job while the broker (a private Redis) is down: the page answers and says the closing waits;
nothing runs meanwhile; once the broker is back the closings relay (what beat runs every minute) hands it
to a real worker, and the job is closed once: each application moved once, whatever the number of
relays and hints after that."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from recruiting.models import ACTIVE_STAGES, AuditLog, Job, JobClosing, Stage, StageChange
from recruiting.services.jobs import job_closings_relay
from tests.factories import ApplicationFactory, JobFactory
from tests.support.processes import celery_worker, wait_for, worker_env

# A fault bar, not a performance figure: a recruiter's click must not hang on a dead broker.
REQUEST_BOUND_SECONDS = 2.0
LIVE = 5


@pytest.mark.django_db(transaction=True)
def test_closing_a_job_with_the_broker_down_waits_then_closes_once_when_it_is_back(
    requires_postgres, broker, recruiter, client
):
    job = JobFactory(owner=recruiter)
    applications = [
        ApplicationFactory(job=job, owner=recruiter, candidate__owner=recruiter, candidate__time_zone="")
        for _ in range(LIVE)
    ]
    client.force_login(recruiter)
    broker.stop()

    started = time.perf_counter()
    response = client.post(
        reverse("job_close", args=[job.pk]), {"outcome": Stage.REJECTED, "confirm": "on", "dont_notify": "on"}
    )
    took = time.perf_counter() - started
    waiting = client.get(response["Location"])

    assert response.status_code == 302 and took < REQUEST_BOUND_SECONDS, (response.status_code, took)
    assert waiting.status_code == 200
    assert "waiting to start" in waiting.content.decode()
    closing = JobClosing.objects.get(job=job)
    assert closing.started_at is None and closing.finished_at is None
    assert job.applications.filter(stage__in=ACTIVE_STAGES).count() == LIVE

    broker.start()
    with celery_worker(worker_env(CELERY_BROKER_URL=broker.url), name="close-outage") as worker:
        # Beat's next minute: the closing has waited past its hint, so the relay hands it over.
        assert job_closings_relay(now=timezone.now() + timedelta(minutes=2)) == 1
        wait_for(
            lambda: JobClosing.objects.filter(pk=closing.pk, finished_at__isnull=False).exists(),
            timeout=60,
            interval=0.5,
            what=f"the closing to finish. Worker log:\n{worker.log()[-3000:]}",
        )
        # Later relays, and a stray second hint, find nothing to do.
        assert job_closings_relay(now=timezone.now() + timedelta(hours=1)) == 0
        assert worker.alive(), worker.log()[-3000:]

    finished = client.get(response["Location"], headers={"HX-Request": "true"})
    assert "Done: 5 applications closed." in finished.content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.CLOSED
    assert not job.applications.filter(stage__in=ACTIVE_STAGES).exists()
    moves = StageChange.objects.filter(application__in=applications, to_stage=Stage.REJECTED)
    assert moves.count() == LIVE
    assert AuditLog.objects.filter(action="job.close", object_id=job.pk).count() == 1
