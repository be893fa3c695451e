"""Outbox tasks: ids only, the row is re-read and the services decide. A lost task loses nothing: the
relay finds every due row again within a minute."""

from celery import shared_task
from django.utils import timezone

from notifications.services import relay, sending
from recruiting.task_calls import TaskCall, enqueue

# Inside inloop/celery.py's global limits (300 s hard): a batch stops starting new messages at
# sending.BATCH_TIME_BUDGET_SECONDS and releases the rest.
_LIMITS = {"acks_late": True, "reject_on_worker_lost": True, "soft_time_limit": 240, "time_limit": 300}


@shared_task(name="notifications.tasks.outbox.send_message", ignore_result=True, **_LIMITS)
def send_message(message_id: int) -> None:
    """Send one message now if it is due and free (woken after the commit that wrote it)."""
    sending.message_send(message_id=message_id)


@shared_task(name="notifications.tasks.outbox.send_due_batch", ignore_result=True, **_LIMITS)
def send_due_batch(limit: int = sending.BATCH_SIZE) -> None:
    """Send up to `limit` due messages over one connection. A full batch that got mail out hands on to
    the next one, so a backlog drains at full speed; one that could not (server down) leaves the rest to
    the relay and the backoff."""
    report = sending.messages_send_due(limit=limit)
    if report.claimed >= limit and report.sent:
        enqueue(TaskCall(relay.SEND_DUE_BATCH_TASK, kwargs={"limit": limit}, hint=True))


@shared_task(name="notifications.tasks.outbox.relay_outbox", ignore_result=True, **_LIMITS)
def relay_outbox() -> None:
    """Beat, every minute: reclaim expired leases and wake workers for due rows."""
    relay.messages_relay(now=timezone.now())
