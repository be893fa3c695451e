"""The Celery app. The whole beat schedule lives here, in one place."""

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recruiting.settings.local")

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
        "scan-overdue": {"task": "notifications.tasks.prompts.scan_overdue", "schedule": 300.0},
        "send-digests": {"task": "notifications.tasks.prompts.send_digests", "schedule": crontab(minute="*/15")},
    },
)
app.autodiscover_tasks()


@app.task(name="inloop.ping", ignore_result=False)
def ping() -> str:
    """A round trip through the broker and a worker: used by health checks and the run-mode test."""
    return "pong"
