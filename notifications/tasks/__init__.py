"""Celery tasks: thin wrappers that take ids, re-read rows and call services."""

from notifications.tasks import digests, outbox  # noqa: F401  (registers the tasks)
