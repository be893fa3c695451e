"""Webhooks: subscriptions, events written with the change they report, and signed deliveries.

An event row is written by a subscriber to the pipeline's events (inloop/subscriptions.py), inside the
pipeline's transaction, with one delivery row per subscription listening to it: the change and what
reports it commit together, and a broker that is down loses nothing (the beat relay finds the pending
deliveries). Each delivery is signed as the Standard Webhooks specification says, with the same
webhook-id on every try, and retried with exponential backoff for three days; a subscription whose
deliveries are given up WEBHOOK_FAILURES_TO_SWITCH_OFF times in a row is switched off, and the firm's
admins are told by email in the same transaction (api.events.WebhookSubscriptionSwitchedOff).

Addresses on private, loopback, link-local or otherwise reserved networks are refused unless
INLOOP_WEBHOOKS_ALLOW_PRIVATE says so (tests, receivers on the firm's own network), and the address
checked is the one connected to, so a name that changes its answer cannot lead the request elsewhere.
"""

import base64
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from api.events import WebhookSubscriptionSwitchedOff
from api.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from recruiting import events as pipeline_events
from recruiting.audit import audit_log_record
from recruiting.models import StageChange, StagePolicy
from recruiting.permissions import ensure_admin
from recruiting.ratelimit import lossy_delete, lossy_get, lossy_set
from recruiting.task_calls import TaskCall, enqueue_on_commit

logger = logging.getLogger(__name__)
User = AbstractBaseUser

# Every event type a subscription may listen to (docs/api.md lists them with their payloads).
EVENT_TYPES = (
    "application.created",
    "application.moved",
    "message.sent",
    "message.bounced",
    "message.complained",
    "reply.received",
    "prompt.opened",
    "prompt.escalated",
    "safety_net.acted",
    "client.answered",
    "candidate.paused",
    "candidate.unsubscribed",
    "candidate.do_not_contact",
)
DELIVER_TASK = "api.tasks.webhook_deliver"
TIMEOUT_SECONDS = 10
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 6 * 3600
GIVE_UP_AFTER = timedelta(days=3)
# How long a claimed delivery is left to its worker before another may take it.
LEASE_SECONDS = 60
WEBHOOK_FAILURES_TO_SWITCH_OFF = 5
RELAY_BATCH = 100
LISTENING_CACHE_KEY = "api:webhooks:listening"
# A bound on how late a change made where the cache could not be told is seen (every change forgets it).
LISTENING_CACHE_SECONDS = 300


# Subscriptions --------------------------------------------------------------------------------------------


def _event_types_clean(event_types: Sequence[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown or not event_types:
        raise ValidationError({"event_types": f"Choose among {', '.join(EVENT_TYPES)}."})
    return sorted(set(event_types))


def _url_clean(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError({"url": "Give an http or https address."})
    if parts.scheme == "http" and not settings.INLOOP_WEBHOOKS_ALLOW_PRIVATE:
        raise ValidationError({"url": "Deliveries go to https addresses only."})
    return url.strip()


@transaction.atomic
def webhook_subscription_create(*, url: str, event_types: Sequence[str], by: User | None) -> WebhookSubscription:
    """A new subscription, with its signing secret (shown to the admin once, in the answer)."""
    ensure_admin(by, "manage webhooks")
    subscription = WebhookSubscription.objects.create(
        url=_url_clean(url),
        event_types=_event_types_clean(event_types),
        secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        created_by=by,
    )
    audit_log_record(actor=by, action="webhook.create", obj=subscription, details={"url": subscription.url})
    _listening_forget()
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *,
    subscription: WebhookSubscription,
    by: User | None,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    active: bool | None = None,
) -> WebhookSubscription:
    """Change the address or the events, or switch it off or on (on again, its failures are forgotten)."""
    ensure_admin(by, "manage webhooks")
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if url is not None:
        subscription.url = _url_clean(url)
    if event_types is not None:
        subscription.event_types = _event_types_clean(event_types)
    if active is not None and active != subscription.active:
        subscription.active = active
        subscription.switched_off_at = None if active else timezone.now()
        subscription.failures_in_row = 0
    subscription.save()
    _listening_forget()
    audit_log_record(
        actor=by,
        action="webhook.update",
        obj=subscription,
        details={"url": subscription.url, "event_types": subscription.event_types, "active": subscription.active},
    )
    return subscription


def subscriptions_switched_off():
    """The subscriptions the system switched off after repeated failures (an admin's own switch-off resets
    the failures): what the admins are told about until one of them switches it on again."""
    return WebhookSubscription.objects.filter(active=False, failures_in_row__gte=WEBHOOK_FAILURES_TO_SWITCH_OFF)


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery, by: User | None) -> WebhookDelivery:
    """Send a delivery again, now (the same webhook-id: a receiver that has it already knows it)."""
    ensure_admin(by, "manage webhooks")
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    audit_log_record(actor=by, action="webhook.redeliver", obj=delivery)
    enqueue_on_commit(TaskCall(DELIVER_TASK, args=(delivery.pk,), hint=True))
    return delivery


# Events ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listener:
    """An active subscription as events_record needs it: its id and the event types it listens to."""

    subscription_id: int
    event_types: tuple[str, ...]


def subscriptions_listening() -> list[Listener]:
    """The active subscriptions, kept in the cache (read on every move and every group of sent messages,
    changed rarely; every change forgets them, at once and again at commit). One query when the cache
    does not have them or does not answer."""
    cached = lossy_get(LISTENING_CACHE_KEY)
    if cached is None:
        cached = [
            (pk, tuple(event_types))
            for pk, event_types in WebhookSubscription.objects.filter(active=True).values_list("pk", "event_types")
            if event_types
        ]
        lossy_set(LISTENING_CACHE_KEY, cached, timeout=LISTENING_CACHE_SECONDS)
    return [Listener(subscription_id=pk, event_types=tuple(event_types)) for pk, event_types in cached]


def _listening_forget() -> None:
    """Forget the cached subscriptions now (this transaction's next read) and at commit (everyone's)."""
    lossy_delete(LISTENING_CACHE_KEY)
    transaction.on_commit(lambda: lossy_delete(LISTENING_CACHE_KEY))


def events_record(
    *, events: Sequence[tuple[str, dict]], listening: Sequence[Listener] | None = None
) -> list[WebhookEvent]:
    """Write `events` (type, payload) with a delivery to each subscription listening; call it inside the
    transaction of what they report. No query when nobody listens (subscriptions_listening)."""
    listening = subscriptions_listening() if listening is None else listening
    wanted = [(kind, payload) for kind, payload in events if any(kind in s.event_types for s in listening)]
    if not wanted:
        return []
    now = timezone.now()
    rows = WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(
                public_id=f"msg_{uuid.uuid4().hex}",
                event_type=kind,
                payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
                created_at=now,
            )
            for kind, payload in wanted
        ]
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event=event, subscription_id=subscription.subscription_id, next_attempt_at=now)
            for event in rows
            for subscription in listening
            if event.event_type in subscription.event_types
        ]
    )
    # A hint: when the broker is down the beat relay delivers them.
    enqueue_on_commit(*(TaskCall(DELIVER_TASK, args=(delivery.pk,), hint=True) for delivery in deliveries))
    return rows


def stage_changes_record(
    *,
    stage_changes: Sequence[StageChange],
    by: User | None,
    holidays: frozenset[date] | None,
    policy_rows: Mapping[str, StagePolicy] | None = None,
):
    """Subscribed to recruiting.events.ApplicationsMoved: application.created / application.moved for each stage
    change."""
    events = []
    for change in stage_changes:
        application = change.application
        events.append(
            (
                "application.moved" if change.from_stage else "application.created",
                {
                    "application_id": application.pk,
                    "application_external_id": application.external_id,
                    "candidate_id": application.candidate_id,
                    "job_id": application.job_id,
                    "from_stage": change.from_stage or None,
                    "to_stage": change.to_stage,
                    "at": change.at,
                    "next_step_date": change.next_step_date,
                    "notify": change.notify,
                },
            )
        )
    events_record(events=events)


# Delivery -------------------------------------------------------------------------------------------------


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return settings.INLOOP_WEBHOOKS_ALLOW_PRIVATE or ip.is_global


class _Refused(Exception):  # noqa: N818
    pass


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to `url`, connecting to an address that was checked; the answer's status code."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise _Refused(f"The address's name does not resolve ({error}).") from error
    addresses = [info[4][0] for info in infos]
    if not addresses or not all(_allowed(address) for address in addresses):
        raise _Refused("The address is on a private, loopback or link-local network.")
    sock = socket.create_connection((addresses[0], port), timeout=TIMEOUT_SECONDS)
    if parts.scheme == "https":
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname)
    connection = http.client.HTTPConnection(parts.hostname, port, timeout=TIMEOUT_SECONDS)
    connection.sock = sock
    try:
        path = parts.path or "/"
        connection.request("POST", path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers)
        response = connection.getresponse()
        response.read(1024)
        return response.status
    finally:
        connection.close()


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Take a due delivery for this worker for LEASE_SECONDS; None when it is not due or someone has it."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("event", "subscription")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        delivery.next_attempt_at = now + timedelta(seconds=LEASE_SECONDS)
        delivery.save(update_fields=["next_attempt_at"])
    return delivery


def webhook_deliver(*, delivery_id: int) -> str:
    """Try one delivery now if it is due: 'delivered', 'retry', 'failed' or 'skipped'."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    event, subscription = delivery.event, delivery.subscription
    if not subscription.active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.FAILED, last_error="The subscription is switched off."
        )
        return "failed"
    body = json.dumps(
        {"type": event.event_type, "timestamp": event.created_at.isoformat(), "data": event.payload}
    ).encode()
    sent_at = timezone.now()
    signature = Webhook(subscription.secret).sign(event.public_id, sent_at, body.decode())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Inloop-Webhooks/1",
        "webhook-id": event.public_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    status_code, error = None, ""
    try:
        status_code = _post(subscription.url, body, headers)
    except _Refused as refused:
        error = str(refused)
    except (OSError, http.client.HTTPException) as failure:
        error = f"{type(failure).__name__}: {failure}"[:500]
    return _record(delivery=delivery, status_code=status_code, error=error)


def _record(*, delivery: WebhookDelivery, status_code: int | None, error: str) -> str:
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("event").get(pk=delivery.pk)
        delivery.attempts += 1
        delivery.last_status_code = status_code
        subscription = WebhookSubscription.objects.select_for_update().get(pk=delivery.subscription_id)
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.last_error = ""
            subscription.failures_in_row = 0
            outcome = "delivered"
        else:
            delivery.last_error = error or f"The receiver answered {status_code}."
            delay = min(RETRY_BASE_SECONDS * 2 ** (delivery.attempts - 1), RETRY_CAP_SECONDS)
            if now + timedelta(seconds=delay) > delivery.event.created_at + GIVE_UP_AFTER:
                delivery.status = WebhookDelivery.Status.FAILED
                subscription.failures_in_row += 1
                if subscription.failures_in_row >= WEBHOOK_FAILURES_TO_SWITCH_OFF and subscription.active:
                    subscription.active = False
                    subscription.switched_off_at = now
                    audit_log_record(actor=None, action="webhook.switched_off", obj=subscription)
                    _listening_forget()
                    pipeline_events.publish(
                        WebhookSubscriptionSwitchedOff(
                            subscription_id=subscription.pk,
                            url=subscription.url,
                            failures=subscription.failures_in_row,
                            last_error=delivery.last_error,
                            at=now,
                        )
                    )
                outcome = "failed"
            else:
                delivery.next_attempt_at = now + timedelta(seconds=delay)
                enqueue_on_commit(TaskCall(DELIVER_TASK, args=(delivery.pk,), countdown=delay, hint=True))
                outcome = "retry"
        delivery.save()
        subscription.save(update_fields=["failures_in_row", "active", "switched_off_at"])
    return outcome


def webhooks_relay(*, limit: int = RELAY_BATCH) -> int:
    """The beat's pass: every due pending delivery tried (those whose hint was lost, or whose retry is
    due); how many were tried."""
    due = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(webhook_deliver(delivery_id=pk) != "skipped" for pk in due)
