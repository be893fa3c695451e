"""What a text's status callbacks tell: queued, sent, delivered, undelivered or failed (and Twilio's
other steps), recorded on the TextDelivery. Callbacks come in any order and may come twice: a status
only moves forward, and a final one (delivered, undelivered, failed) stays (docs/rules.md#news-owed:
told means delivered: the text of an outbox message that was not delivered un-tells and prompts the
recruiter, notifications.services.texts_outbox).
"""

import logging

from django.db import transaction
from django.utils import timezone

from notifications.models import TextDelivery
from notifications.services.texts_outbox import message_text_undelivered
from notifications.texts.senders import NOT_DELIVERED
from notifications.texts.twilio_backend import DELIVERY_PERMANENT_CODES

logger = logging.getLogger(__name__)

# How far along each status is; a callback with a status not further along changes nothing.
STATUS_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivery_unknown": 4,
    "canceled": 5,
    "undelivered": 5,
    "failed": 5,
    "delivered": 5,
    "read": 6,
}
FINAL = frozenset({"delivered", "undelivered", "failed", "canceled", "read"})


def status_is_permanent_failure(*, status: str, error_code: int | None) -> bool:
    """An undelivered or failed text whose error says the number will not take texts again."""
    return status in NOT_DELIVERED and error_code in DELIVERY_PERMANENT_CODES


@transaction.atomic
def text_status_record(*, provider_id: str, status: str, error_code: int | None) -> TextDelivery | None:
    """Record a status callback for the text `provider_id`; None for a status we do not know.

    A callback may come before the worker that handed the text over has recorded it (the provider
    answered, the worker has not written its row yet): the status is kept on a row of its own, which
    text_hand_over completes; the outbox then reads it (notifications.services.texts_outbox)."""
    status = status.strip().lower()
    if status not in STATUS_RANK:
        logger.warning("Unknown status %r for text %s ignored.", status[:30], provider_id[:64])
        return None
    delivery = TextDelivery.objects.select_for_update().filter(provider_id=provider_id).first()
    if delivery is None:
        delivery, _ = TextDelivery.objects.get_or_create(
            provider_id=provider_id[:64],
            defaults={"backend": "twilio", "purpose": TextDelivery.Purpose.MESSAGE, "status": "accepted"},
        )
        logger.info("Status %r for text %s before its hand-over was recorded: kept.", status, provider_id[:64])
    current = STATUS_RANK.get(delivery.status, 0)
    if delivery.status in FINAL or STATUS_RANK[status] <= current:
        return delivery
    delivery.status, delivery.status_at = status, timezone.now()
    delivery.error_code = error_code if status in NOT_DELIVERED else delivery.error_code
    delivery.save(update_fields=["status", "status_at", "error_code"])
    logger.info("Text %s is %s%s.", delivery.provider_id, status, f" (error {error_code})" if error_code else "")
    if status in NOT_DELIVERED and delivery.message_id is not None:
        message_text_undelivered(delivery=delivery)
    return delivery
