"""Celery tasks of the API: thin wrappers that take ids and call api.webhooks."""

from celery import shared_task

from api.middleware import idempotent_requests_purge
from api.webhooks import webhook_deliver as deliver
from api.webhooks import webhooks_relay as relay


@shared_task(name="api.tasks.webhook_deliver")
def webhook_deliver(delivery_id: int) -> str:
    return deliver(delivery_id=delivery_id)


@shared_task(name="api.tasks.webhooks_relay")
def webhooks_relay() -> int:
    return relay()


@shared_task(name="api.tasks.idempotency_purge")
def idempotency_purge() -> int:
    return idempotent_requests_purge()
