"""The firm's integrations, for admins: API keys (made, the key shown once; revoked; last use) and webhook
subscriptions (made, the secret shown once; edited; switched off or on) with their delivery log and a
redeliver button. Every write goes through the api app's services, which check the admin role again.

The one workspace module that imports the api app (its services and models, never its routes): the
exception is named in the screens-independent import contract.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from api.keys import api_key_create, api_key_revoke
from api.models import ApiKey, WebhookDelivery, WebhookSubscription
from api.webhooks import (
    EVENT_TYPES,
    WEBHOOK_FAILURES_TO_SWITCH_OFF,
    subscriptions_switched_off,
    webhook_delivery_redeliver,
    webhook_subscription_create,
    webhook_subscription_update,
)
from recruiting.models import Role
from recruiting.permissions import role_of
from workspace import forms
from workspace.views.common import call_service, done, page_of


def _ensure_admin(request: HttpRequest) -> None:
    if role_of(request.user) != Role.ADMIN:
        raise PermissionDenied("Only an admin manages the firm's API keys and webhooks.")


def switched_off_webhooks(user) -> list[WebhookSubscription]:
    """For an admin, the subscriptions the system switched off (the home page's notice); none for others."""
    if role_of(user) != Role.ADMIN:
        return []
    return list(subscriptions_switched_off()[:20])


def _users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    """The keys, newest first, and the form for a new one; a key just made is shown here, this once."""
    _ensure_admin(request)
    form = forms.ApiKeyForm(request.POST or None, users=_users())
    made = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, made = call_service(form, lambda: api_key_create(user=data["user"], name=data["name"], by=request.user))
        if ok:
            form = forms.ApiKeyForm(users=_users())
    keys = page_of(ApiKey.objects.select_related("user").order_by("-created_at", "-id"), request)
    status = 400 if request.method == "POST" and made is None else 200
    return render(request, "workspace/api_keys.html", {"keys": keys, "form": form, "made": made}, status=status)


@login_required
@require_POST
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_admin(request)
    api_key = get_object_or_404(ApiKey, pk=pk)
    api_key_revoke(api_key=api_key, by=request.user)
    return done(request, reverse("api_keys"), f"The key {api_key.label} is revoked: it stops working now.")


def _subscriptions():
    return WebhookSubscription.objects.annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.PENDING)),
        given_up=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)),
    ).order_by("id")


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    """The subscriptions and the form for a new one; its signing secret is shown here, this once."""
    _ensure_admin(request)
    form = forms.WebhookForm(request.POST or None, event_types=EVENT_TYPES, editing=False)
    made = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, made = call_service(
            form,
            lambda: webhook_subscription_create(url=data["url"], event_types=data["event_types"], by=request.user),
        )
        if ok:
            form = forms.WebhookForm(event_types=EVENT_TYPES, editing=False)
    context = {
        "subscriptions": page_of(_subscriptions(), request),
        "form": form,
        "made": made,
        "failures_to_switch_off": WEBHOOK_FAILURES_TO_SWITCH_OFF,
        "switched_off": switched_off_webhooks(request.user),
    }
    status = 400 if request.method == "POST" and made is None else 200
    return render(request, "workspace/webhooks.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a subscription's address or events, or switch it off or on (on again, its failures are
    forgotten); its delivery log below."""
    _ensure_admin(request)
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    initial = {"url": subscription.url, "event_types": subscription.event_types, "active": subscription.active}
    form = forms.WebhookForm(request.POST or None, initial=initial, event_types=EVENT_TYPES, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _ = call_service(
            form,
            lambda: webhook_subscription_update(
                subscription=subscription,
                by=request.user,
                url=data["url"],
                event_types=data["event_types"],
                active=data["active"],
            ),
        )
        if ok:
            return done(request, reverse("webhook_edit", args=[pk]), "The subscription is saved.")
    deliveries = page_of(
        WebhookDelivery.objects.filter(subscription=subscription).select_related("event").order_by("-id"), request
    )
    return render(
        request,
        "workspace/webhook_edit.html",
        {"subscription": subscription, "form": form, "deliveries": deliveries},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def webhook_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_admin(request)
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    webhook_delivery_redeliver(delivery=delivery, by=request.user)
    return done(
        request,
        reverse("webhook_edit", args=[delivery.subscription_id]),
        f"Delivery #{delivery.pk} is on its way again (the same webhook-id).",
    )
