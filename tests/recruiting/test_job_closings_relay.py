"""The closings relay: a closing recorded by the request is handed to a worker again while it waits (its
hint was lost) or stalled (its worker stopped); a finished closing is never run again."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from recruiting.models import JobClosing, Stage, StageChange
from recruiting.services.jobs import job_close_start, job_closings_relay
from recruiting.tasks import job_close_run
from tests.factories import ApplicationFactory, JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closing(recruiter, sent_tasks, django_capture_on_commit_callbacks):
    job = JobFactory(owner=recruiter)
    for _ in range(2):
        ApplicationFactory(job=job, owner=recruiter, candidate__owner=recruiter)
    with django_capture_on_commit_callbacks(execute=True):
        job_close_start(job=job, by=recruiter, outcome=Stage.WITHDRAWN, notify=False, close_id="c1")
    return JobClosing.objects.get(close_id="c1")


def _hints(sent_tasks):
    return [task for task in sent_tasks if task.name == "recruiting.tasks.job_close_run"]


def test_a_waiting_closing_is_handed_over_again_after_a_minute_and_not_before(closing, sent_tasks):
    assert len(_hints(sent_tasks)) == 1  # the request's own hint
    assert job_closings_relay(now=timezone.now() + timedelta(seconds=30)) == 0
    assert job_closings_relay(now=timezone.now() + timedelta(minutes=2)) == 1
    assert _hints(sent_tasks)[-1].args == [closing.job_id, closing.requested_by_id, "withdrawn", False, "c1"]


def test_a_stalled_closing_is_handed_over_again_and_a_finished_one_never(closing, sent_tasks):
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        JobClosing.objects.filter(pk=closing.pk).update(started_at=timezone.now(), handed_at=timezone.now())
    assert job_closings_relay(now=timezone.now() + timedelta(minutes=5)) == 0
    assert job_closings_relay(now=timezone.now() + timedelta(minutes=20)) == 1

    assert job_close_run(*_hints(sent_tasks)[-1].args) == 2
    assert job_close_run(*_hints(sent_tasks)[-1].args) == 0  # the same message delivered twice
    assert job_closings_relay(now=timezone.now() + timedelta(days=1)) == 0
    assert StageChange.objects.filter(application__job_id=closing.job_id, to_stage=Stage.WITHDRAWN).count() == 2


def test_the_relay_is_on_the_beat_schedule():
    from inloop.celery import app

    entry = app.conf.beat_schedule["relay-job-closings"]
    assert app.tasks[entry["task"]] is not None and entry["schedule"] <= 60
