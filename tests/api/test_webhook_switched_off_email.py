"""A subscription the system switches off after repeated failures: every active admin with an address is told by
email through the outbox, in the same transaction, once per switch-off; nobody else is."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEvent
from api.webhooks import WEBHOOK_FAILURES_TO_SWITCH_OFF, webhook_deliver, webhook_subscription_create
from notifications.models import MessageTemplate, OutboundMessage
from notifications.services.admin_notices import webhook_switched_off_notify
from recruiting.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _failing_delivery(subscription, *, failures_before: int) -> WebhookDelivery:
    """A delivery whose three days are over, to a subscription given up `failures_before` times in a row."""
    subscription.failures_in_row = failures_before
    subscription.save(update_fields=["failures_in_row"])
    event = WebhookEvent.objects.create(
        public_id=f"msg_{subscription.pk}_{failures_before}",
        event_type="application.moved",
        payload={},
        created_at=timezone.now() - timedelta(days=3),
    )
    return WebhookDelivery.objects.create(event=event, subscription=subscription)


@pytest.fixture
def subscription(settings, admin_user):
    settings.INLOOP_WEBHOOKS_ALLOW_PRIVATE = True
    made = webhook_subscription_create(url="http://127.0.0.1:9/hooks", event_types=["application.moved"], by=admin_user)
    # Refused before any connection: the address is a loopback one and no longer allowed.
    settings.INLOOP_WEBHOOKS_ALLOW_PRIVATE = False
    return made


def test_the_switch_off_writes_one_email_per_admin_and_none_to_others(subscription, admin_user, recruiter):
    role_admin = UserFactory(profile__role=Role.ADMIN)
    UserFactory(profile__role=Role.TEAM_LEAD)
    UserFactory(profile__role=Role.ADMIN, is_active=False)
    UserFactory(profile__role=Role.ADMIN, email="")
    delivery = _failing_delivery(subscription, failures_before=WEBHOOK_FAILURES_TO_SWITCH_OFF - 1)

    assert webhook_deliver(delivery_id=delivery.pk) == "failed"

    subscription.refresh_from_db()
    assert not subscription.active
    emails = OutboundMessage.objects.filter(template_code=MessageTemplate.Code.WEBHOOK_SWITCHED_OFF)
    assert sorted(emails.values_list("to_address", flat=True)) == sorted([admin_user.email, role_admin.email])
    assert sorted(emails.values_list("recipient_user_id", flat=True)) == sorted([admin_user.pk, role_admin.pk])
    email = emails.get(recipient_user=role_admin)
    assert email.candidate_id is None and email.application_id is None
    assert "http://127.0.0.1:9/hooks" in email.subject
    assert f"{WEBHOOK_FAILURES_TO_SWITCH_OFF} deliveries in a row" in email.body_text
    assert f"/integrations/webhooks/{subscription.pk}/" in email.body_text
    assert "private, loopback or link-local" in email.body_text


def test_once_per_switch_off(subscription, admin_user):
    delivery = _failing_delivery(subscription, failures_before=WEBHOOK_FAILURES_TO_SWITCH_OFF - 1)
    webhook_deliver(delivery_id=delivery.pk)
    subscription.refresh_from_db()
    # The same switch-off told again (a subscriber run twice) writes nothing more.
    webhook_switched_off_notify(
        subscription_id=subscription.pk,
        url=subscription.url,
        failures=subscription.failures_in_row,
        last_error="",
        at=subscription.switched_off_at,
    )
    # A later delivery given up while it is off switches nothing off, and tells nobody.
    later = _failing_delivery(subscription, failures_before=subscription.failures_in_row)
    assert webhook_deliver(delivery_id=later.pk) == "failed"
    assert OutboundMessage.objects.filter(template_code=MessageTemplate.Code.WEBHOOK_SWITCHED_OFF).count() == 1


def test_failures_short_of_the_limit_tell_nobody(subscription, admin_user):
    delivery = _failing_delivery(subscription, failures_before=WEBHOOK_FAILURES_TO_SWITCH_OFF - 2)
    assert webhook_deliver(delivery_id=delivery.pk) == "failed"
    subscription.refresh_from_db()
    assert subscription.active
    assert not OutboundMessage.objects.filter(template_code=MessageTemplate.Code.WEBHOOK_SWITCHED_OFF).exists()
