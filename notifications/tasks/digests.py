"""The morning digest's beat job: safe to run twice or at the same time."""

import logging

from celery import shared_task

from notifications.services import digests

logger = logging.getLogger(__name__)


@shared_task(name="notifications.tasks.digests.send_digests")
def send_digests() -> dict[str, int]:
    result = digests.digests_send()
    counts = {"queued": len(result.queued_user_ids), "nothing_owed": result.nothing_owed}
    logger.info("Digests: %s", counts)
    return counts
