"""Closing a job with the cache (a private Redis, as in production) stopped: the request answers, the
closing happens, and the recruiter's progress page reads the truth from the database."""

import pytest
from django.urls import reverse

from recruiting import ratelimit
from recruiting.models import ACTIVE_STAGES, Job, Stage
from recruiting.tasks import job_close_run
from tests.factories import ApplicationFactory, JobFactory, UserFactory
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_server(requires_redis, settings, monkeypatch):
    monkeypatch.setattr(ratelimit, "_cache_down", False)
    with RedisServer() as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": server.url,
                "KEY_PREFIX": "inloop",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        yield server


@pytest.fixture
def job(client):
    owner = UserFactory()
    client.force_login(owner)
    job = JobFactory(owner=owner)
    for stage in (Stage.NEW, Stage.SCREENING, Stage.SUBMITTED):
        ApplicationFactory(job=job, owner=owner, candidate__owner=owner, stage=stage)
    return job


def _close(client, job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("job_close", args=[job.pk]), {"outcome": Stage.REJECTED, "confirm": "on", "dont_notify": "on"}
        )
    assert response.status_code == 302, response.status_code
    return response["Location"]


def test_closing_a_job_with_the_cache_down_answers_and_shows_progress_from_the_database(
    cache_server, client, job, sent_tasks, django_capture_on_commit_callbacks
):
    cache_server.stop()

    progress_url = _close(client, job, django_capture_on_commit_callbacks)
    waiting = client.get(progress_url)
    [task] = [task for task in sent_tasks if task.name == "recruiting.tasks.job_close_run"]
    job_close_run(*task.args)
    finished = client.get(progress_url, headers={"HX-Request": "true"})

    assert waiting.status_code == 200 and "0 of 3" in waiting.content.decode()
    assert finished.status_code == 200 and "Done: 3 applications closed." in finished.content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.CLOSED
    assert not job.applications.filter(stage__in=ACTIVE_STAGES).exists()


def test_progress_read_half_way_with_the_cache_gone_counts_from_the_request(
    cache_server, client, job, sent_tasks, django_capture_on_commit_callbacks
):
    progress_url = _close(client, job, django_capture_on_commit_callbacks)
    cache_server.stop()
    # One application closed by the worker so far (the rest still live).
    job.applications.filter(stage=Stage.NEW).update(stage=Stage.REJECTED)

    page = client.get(progress_url, headers={"HX-Request": "true"}).content.decode()

    assert "1 of 3 closed" in page


def test_a_close_id_that_is_not_one_is_not_found(client, job):
    assert client.get(reverse("job_close_progress", args=[job.pk, "x" * 500])).status_code == 404
