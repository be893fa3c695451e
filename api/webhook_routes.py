"""/api/v1/webhooks: an admin's subscriptions, their delivery log, and a redelivery."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from api.auth import writing
from api.models import WebhookDelivery, WebhookSubscription
from api.problems import PROBLEMS
from api.records import get_or_404
from api.schemas import InputSchema
from api.webhooks import (
    webhook_delivery_redeliver,
    webhook_subscription_create,
    webhook_subscription_update,
)
from recruiting.permissions import ensure_admin

router = Router(tags=["webhooks"])


class SubscriptionIn(InputSchema):
    url: str
    event_types: list[str]


class SubscriptionPatch(InputSchema):
    url: str | None = None
    event_types: list[str] | None = None
    active: bool | None = None


class SubscriptionOut(Schema):
    id: int
    url: str
    event_types: list[str]
    active: bool
    failures_in_row: int
    switched_off_at: datetime | None
    created_at: datetime


class NewSubscriptionOut(SubscriptionOut):
    """The subscription as made, with its signing secret: shown this once."""

    secret: str


class DeliveryOut(Schema):
    id: int
    webhook_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None

    @staticmethod
    def resolve_webhook_id(obj: WebhookDelivery) -> str:
        return obj.event.public_id

    @staticmethod
    def resolve_event_type(obj: WebhookDelivery) -> str:
        return obj.event.event_type


@router.get("/webhooks", response={200: list[SubscriptionOut], **PROBLEMS})
def webhooks_list(request: HttpRequest):
    ensure_admin(request.user, "manage webhooks")
    return list(WebhookSubscription.objects.all())


@router.post("/webhooks", response={201: NewSubscriptionOut, **PROBLEMS})
def webhooks_create(request: HttpRequest, payload: SubscriptionIn):
    with writing(request):
        return Status(
            201, webhook_subscription_create(url=payload.url, event_types=payload.event_types, by=request.user)
        )


@router.get("/webhooks/{int:pk}", response={200: SubscriptionOut, **PROBLEMS})
def webhooks_read(request: HttpRequest, pk: int):
    ensure_admin(request.user, "manage webhooks")
    return get_or_404(WebhookSubscription, pk=pk)


@router.patch("/webhooks/{int:pk}", response={200: SubscriptionOut, **PROBLEMS})
def webhooks_update(request: HttpRequest, pk: int, payload: SubscriptionPatch):
    ensure_admin(request.user, "manage webhooks")
    subscription = get_or_404(WebhookSubscription, pk=pk)
    with writing(request):
        return webhook_subscription_update(
            subscription=subscription, by=request.user, **payload.dict(exclude_unset=True)
        )


@router.get("/webhooks/{int:pk}/deliveries", response={200: list[DeliveryOut], **PROBLEMS})
def webhooks_deliveries(request: HttpRequest, pk: int):
    """The delivery log, newest first (the last 200)."""
    ensure_admin(request.user, "manage webhooks")
    subscription = get_or_404(WebhookSubscription, pk=pk)
    return list(subscription.deliveries.select_related("event").order_by("-id")[:200])


@router.post("/webhooks/deliveries/{int:pk}/redeliver", response={200: DeliveryOut, **PROBLEMS})
def webhooks_redeliver(request: HttpRequest, pk: int):
    ensure_admin(request.user, "manage webhooks")
    delivery = get_or_404(WebhookDelivery.objects.select_related("event"), pk=pk)
    with writing(request):
        webhook_delivery_redeliver(delivery=delivery, by=request.user)
    return WebhookDelivery.objects.select_related("event").get(pk=pk)
