"""Beat jobs of the keep-in-the-loop loop. Both are safe to run twice or at the same time."""

import logging

from celery import shared_task

from ..services import digests, prompts

logger = logging.getLogger(__name__)


@shared_task(name="notifications.tasks.prompts.scan_overdue")
def scan_overdue() -> dict[str, int]:
    result = prompts.prompts_scan_overdue()
    counts = {
        "found": result.found,
        "created": result.created,
        "escalated": result.escalated,
        "settled": result.settled,
        "without_lead": result.without_lead,
    }
    logger.info("Overdue scan: %s", counts)
    return counts


@shared_task(name="notifications.tasks.prompts.send_digests")
def send_digests() -> dict[str, int]:
    result = digests.digests_send()
    counts = {"queued": len(result.queued_user_ids), "nothing_owed": result.nothing_owed}
    logger.info("Digests: %s", counts)
    return counts
