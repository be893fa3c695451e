"""Emails to the firm's admins about what the system did on its own and that only an admin can undo.

Today one: a webhook subscription switched off after its deliveries were given up again and again (the
api app publishes api.events.WebhookSubscriptionSwitchedOff; inloop/subscriptions.py subscribes
`webhook_switched_off_notify` with the event's plain values, so this app never imports the api app).
Written through the outbox in the publisher's transaction, one per admin and switch-off: the idempotency
key names the subscription, the moment it was switched off and the admin.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse

from notifications.models import MessageTemplate, OutboundMessage
from notifications.services import outbox
from recruiting.models import Role

logger = logging.getLogger(__name__)


def admins_to_tell():
    """The active admins (superusers and the admin role) with an email address."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(profile__role=Role.ADMIN))
        .exclude(email="")
        .order_by("pk")
    )


def webhook_switched_off_key(*, subscription_id: int, at: datetime, user_id: int) -> str:
    return f"webhook_switched_off:{subscription_id}:{at.isoformat()}:{user_id}"


def webhook_switched_off_notify(
    *, subscription_id: int, url: str, failures: int, last_error: str, at: datetime
) -> list[OutboundMessage]:
    """Tell every admin that the subscription to `url` was switched off (subscribed to the api app's
    WebhookSubscriptionSwitchedOff): one email each, sent at once, whatever the hour."""
    page = f"{settings.INLOOP_BASE_URL}{reverse('webhook_edit', args=[subscription_id])}"
    written = []
    for admin in admins_to_tell():
        try:
            written.append(
                outbox.message_queue(
                    idempotency_key=webhook_switched_off_key(subscription_id=subscription_id, at=at, user_id=admin.pk),
                    template_code=MessageTemplate.Code.WEBHOOK_SWITCHED_OFF,
                    to_address=admin.email,
                    context={
                        "admin_name": admin.get_full_name() or admin.get_username(),
                        "webhook_url": url,
                        "failures_count": str(failures),
                        "last_error": last_error,
                        "webhook_page_url": page,
                    },
                    recipient_user=admin,
                    hold_minutes=0,
                    respect_business_hours=False,
                )
            )
        except ValidationError:
            # One admin's bad address must not keep the others from hearing of it, nor undo the switch-off.
            logger.warning("The webhook switch-off email to user %s could not be queued.", admin.pk, exc_info=True)
    return written
