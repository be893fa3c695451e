"""Handing a text to the configured sender (INLOOP_SMS_BACKEND), recording it as a TextDelivery, and the
stop list every text is checked against first (a number that texted STOP gets nothing but the answer to
a HELP: docs/rules.md#candidate-wishes).

A side effect: call it outside any transaction that can still roll back (after commit). The outbox's
worker calls `text_hand_over` for its texts (notifications.services.texts_outbox).
"""

import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from candidates.phones import phone_mask
from notifications.models import TextDelivery, TextStop
from notifications.texts.encoding import text_size
from notifications.texts.file_backend import FileSender
from notifications.texts.senders import PERMANENT, TextSender, TextSendError

logger = logging.getLogger(__name__)
Purpose = TextDelivery.Purpose


def text_sender() -> TextSender:
    """The sender the settings choose: the file backend of the embedded mode, or Twilio."""
    if settings.INLOOP_SMS_BACKEND == "twilio":
        # Twilio's library (about 17 MB in every process that imports it) only where texts go through it.
        from notifications.texts.twilio_backend import TwilioSender  # noqa: PLC0415

        return TwilioSender.from_settings()
    return FileSender(folder=settings.INLOOP_SMS_FILE_PATH)


def status_callback_url() -> str:
    """Where the provider posts a text's statuses: the public address (INLOOP_BASE_URL) of the webhook."""
    return settings.INLOOP_BASE_URL + reverse("notifications:text_status_webhook")


def number_digest(number: str) -> str:
    return hashlib.sha256(number.encode()).hexdigest()


def number_stopped(number: str) -> bool:
    return TextStop.objects.filter(number_digest=number_digest(number)).exists()


def number_stop(*, number: str, keyword: str) -> None:
    """Put `number` on the stop list (once, whatever the number of STOPs)."""
    try:
        with transaction.atomic():
            TextStop.objects.get_or_create(number_digest=number_digest(number), defaults={"keyword": keyword[:20]})
    except IntegrityError:
        pass


def number_start(*, number: str) -> bool:
    """Take `number` off the stop list; whether it was on it."""
    deleted, _ = TextStop.objects.filter(number_digest=number_digest(number)).delete()
    return bool(deleted)


def text_hand_over(
    *, to: str, body: str, purpose: str, candidate_id: int | None = None, message_id: int | None = None
) -> TextDelivery:
    """Send `body` to `to` (E.164) through the configured sender and record it; raises TextSendError
    (notifications.texts.senders) when the sender did not take it, PERMANENT for a stopped number."""
    if purpose != Purpose.HELP_ANSWER and number_stopped(to):
        raise TextSendError("the number texted STOP: no text goes to it until it texts START", kind=PERMANENT)
    sender = text_sender()
    callback = status_callback_url() if sender.name == "twilio" else ""
    try:
        handed = sender.send(to=to, body=body, status_callback=callback)
    except TextSendError as error:
        # The provider's words may quote the number: never whole in the logs.
        reason = error.reason.replace(to, phone_mask(to)) if to else error.reason
        logger.warning("Text to %s not handed over (%s): %s", phone_mask(to), error.kind, reason)
        raise
    size = text_size(body)
    recorded = {
        "backend": sender.name,
        "to_number": to,
        "purpose": purpose,
        "candidate_id": candidate_id,
        "message_id": message_id,
        "segments": size.segments,
        "encoding": size.encoding,
    }
    with transaction.atomic():
        delivery, created = TextDelivery.objects.select_for_update().get_or_create(
            provider_id=handed.provider_id, defaults={**recorded, "status": handed.status}
        )
        if not created:
            # Its status callback came first (statuses.text_status_record): that status stands, it is
            # at least as far along as the answer to the request.
            for name, value in recorded.items():
                setattr(delivery, name, value)
            delivery.save(update_fields=list(recorded))
    logger.info("Text %s to %s handed over (%s segment(s)).", handed.provider_id, phone_mask(to), size.segments)
    return delivery
