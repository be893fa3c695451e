"""The Celery app and the whole beat schedule.

Services enqueue tasks by name through recruiting.task_calls; this module only configures the app that
routes and runs them.
"""

import logging
import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue
from kombu.transport import redis as kombu_redis

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inloop.settings.local")

app = Celery("inloop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_time_limit=300,
    task_soft_time_limit=240,
    task_ignore_result=True,
    task_default_queue="default",
    # Explicit routing keys: without them Celery binds both queues to the default key, and every task
    # published to one queue would be delivered to both.
    task_queues=(Queue("default", routing_key="default"), Queue("mail", routing_key="mail")),
    task_routes={"notifications.tasks.outbox.*": {"queue": "mail"}},
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    timezone="UTC",
    beat_schedule={
        "relay-outbox": {"task": "notifications.tasks.outbox.relay_outbox", "schedule": 60.0},
        "relay-job-closings": {"task": "recruiting.tasks.job_closings_relay", "schedule": 60.0},
        "scan-overdue": {"task": "recruiting.tasks.scan_overdue", "schedule": 300.0},
        "chase-client-answers": {"task": "recruiting.tasks.chase_client_answers", "schedule": 300.0},
        "send-digests": {"task": "notifications.tasks.digests.send_digests", "schedule": crontab(minute="*/15")},
        "record-figure-weeks": {"task": "recruiting.tasks.figure_weeks_record", "schedule": crontab(minute=7)},
        "relay-webhooks": {"task": "api.tasks.webhooks_relay", "schedule": 60.0},
        "purge-idempotency-keys": {"task": "api.tasks.idempotency_purge", "schedule": crontab(minute=23)},
    },
)
app.autodiscover_tasks()


def _restore_unacked_unless_closed(restore_unacked):
    """kombu 5.7's Redis transport, on losing the broker while a worker holds unacknowledged messages
    (reserved ones, or tasks waiting for their ETA): Celery closes the connection, the channel's close
    restores those messages, and the restore asks for a new client from a connection already released,
    raising AttributeError ('NoneType' object has no attribute 'hostname'). Celery takes that for an
    unrecoverable error and the worker exits. Reproduced by tests/faults/test_broker_unacked_restore.py.

    With the connection gone there is nothing to restore them through: they stay in the broker's unacked
    set, which restores them after the visibility timeout (or lost them with the broker; the outbox and
    the beat jobs find the work again), and the worker reconnects instead of exiting.
    """

    def restore_unless_closed(qos, client=None):
        if client is None and getattr(getattr(qos.channel, "connection", None), "client", None) is None:
            logger.warning(
                "The broker connection closed with %d unacknowledged message(s); the broker restores them "
                "after its visibility timeout.",
                len(qos._delivered),
            )
            return None
        return restore_unacked(qos, client)

    return restore_unless_closed


kombu_redis.QoS.restore_unacked = _restore_unacked_unless_closed(kombu_redis.QoS.restore_unacked)


@app.task(name="inloop.ping", ignore_result=False)
def ping() -> str:
    """A round trip through the broker and a worker: used by health checks and the run-mode test."""
    return "pong"
