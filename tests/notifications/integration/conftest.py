"""Fixtures of the outbox integration tests: one SMTP sink and one real Celery worker per module.

The worker (tests/support/processes.py) reads and writes this run's test database, so every test here
is `django_db(transaction=True)`: its rows are committed, visible to the worker, and flushed afterwards.
"""

import pytest

from tests.support.processes import celery_worker, purge_broker, worker_env
from tests.support.smtp_sink import SmtpSink

# The mail server's patience in the drills: short, so that a stalled server is noticed in seconds.
EMAIL_TIMEOUT_SECONDS = 2


@pytest.fixture(scope="module")
def module_sink():
    with SmtpSink(stall_seconds=EMAIL_TIMEOUT_SECONDS * 4) as sink:
        yield sink


@pytest.fixture
def smtp_sink(module_sink):
    module_sink.reset()
    yield module_sink
    module_sink.reset()


@pytest.fixture(scope="module")
def outbox_worker(django_db_setup, module_sink):
    """A worker on this run's queues, database and broker, sending to the sink; retries after ~1 s."""
    from django.conf import settings

    if not (settings.POSTGRES_AVAILABLE and settings.REDIS_AVAILABLE):
        pytest.skip("needs PostgreSQL and Redis on localhost")
    env = worker_env(
        smtp_port=module_sink.port,
        EMAIL_TIMEOUT=str(EMAIL_TIMEOUT_SECONDS),
        INLOOP_OUTBOX_RETRY_BASE_SECONDS="1",
    )
    purge_broker(env)
    with celery_worker(env, name="outbox-it", concurrency=2) as worker:
        yield worker
