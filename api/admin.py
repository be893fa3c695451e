"""The API's records in the admin: keys (listed and revoked; made with manage.py api_key_create, which
shows the key once), webhook subscriptions and their delivery log, with a redelivery. Every change goes
through the API's services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from api.keys import api_key_revoke
from api.models import ApiKey, WebhookDelivery, WebhookSubscription
from api.webhooks import webhook_delivery_redeliver, webhook_subscription_update


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(_ReadOnly):
    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    exclude = ("key_hash",)
    actions = ("revoke",)

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset) -> None:
        try:
            for api_key in queryset:
                api_key_revoke(api_key=api_key, by=request.user)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        self.message_user(request, "Revoked: they stop working at once.")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(_ReadOnly):
    list_display = ("url", "active", "failures_in_row", "switched_off_at", "created_at")
    exclude = ("secret",)
    actions = ("switch_on",)

    @admin.action(description="Switch the selected subscriptions on again")
    def switch_on(self, request: HttpRequest, queryset) -> None:
        try:
            for subscription in queryset:
                webhook_subscription_update(subscription=subscription, by=request.user, active=True)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        self.message_user(request, "Switched on.")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
    list_display = ("id", "event", "subscription", "status", "attempts", "last_status_code", "next_attempt_at")
    list_filter = ("status",)
    list_select_related = ("event", "subscription")
    actions = ("redeliver",)

    @admin.action(description="Deliver the selected events again")
    def redeliver(self, request: HttpRequest, queryset) -> None:
        try:
            for delivery in queryset:
                webhook_delivery_redeliver(delivery=delivery, by=request.user)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        self.message_user(request, "Queued for delivery.")
