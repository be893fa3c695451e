"""The Django admin for the outbox, templates and delivery records.

The outbox and everything a worker or webhook writes are read-only here. Templates are edited through
template_update (validated, audited); held messages are cancelled with message_cancel. (Prompts are the
pipeline's: recruiting.admin.)
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from notifications.models import (
    InboundMessage,
    InboundText,
    MessageAttempt,
    MessageTemplate,
    OutboundMessage,
    Suppression,
    TextDelivery,
    TextStop,
    TrackingEvent,
)
from notifications.services import messages as message_services
from notifications.services import templates
from recruiting.admin import ReadOnlyAdmin, ReadOnlyInline, run_per_object
from recruiting.models import Role
from recruiting.permissions import can_act_on, role_of


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ("subject", "body_text", "sms_body")
        labels = {"body_text": "Text", "sms_body": "Text message"}
        help_texts = {
            "body_text": "The HTML part of each email is made from this text: one source for both.",
            "sms_body": "For candidates who hear from us by text; empty: this kind goes by email only.",
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            templates.template_validate(
                code=self.instance.code,
                subject=data.get("subject", "").strip(),
                body_text=data.get("body_text", ""),
            )
            templates.sms_body_validate(code=self.instance.code, sms_body=data.get("sms_body", "").strip())
        except ValidationError as error:
            # The service names the part at fault; the form shows each message beside its field.
            self.add_error(None, error)
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("code", "subject", "updated_at", "updated_by")
    list_select_related = ("updated_by",)
    search_fields = ("code", "subject")
    readonly_fields = ("code", "updated_at", "updated_by")
    fields = ("code", "subject", "body_text", "sms_body", "updated_at", "updated_by")
    actions = ("reset_to_default",)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        # Every template code ships with Inloop; there is nothing to add, only to edit.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # The same rule as template_update: the firm's templates are changed by team leads and admins.
        return super().has_change_permission(request, obj) and role_of(request.user) in (Role.TEAM_LEAD, Role.ADMIN)

    def save_model(self, request, obj, form, change):
        templates.template_update(
            template=obj,
            subject=form.cleaned_data["subject"],
            body_text=form.cleaned_data["body_text"],
            sms_body=form.cleaned_data["sms_body"],
            by=request.user,
        )

    @admin.action(description="Put back the text Inloop ships for the selected templates")
    def reset_to_default(self, request: HttpRequest, queryset: QuerySet[MessageTemplate]) -> None:
        run_per_object(
            self,
            request,
            queryset,
            lambda template: templates.template_reset(template=template, by=request.user),
            done="{count} reset.",
        )


class MessageAttemptInline(ReadOnlyInline):
    model = MessageAttempt
    fields = ("at", "outcome", "smtp_code", "detail", "worker")
    readonly_fields = fields
    show_change_link = False


class OutboundMessageActionForm(ActionForm):
    reason = forms.CharField(label="Reason:", required=False, max_length=300)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("pk", "template_code", "candidate", "to_address", "status", "send_after", "sent_at", "attempts")
    list_display_links = ("pk", "template_code")
    list_filter = ("status", "template_code")
    list_select_related = ("candidate",)
    search_fields = ("to_address", "subject", "=idempotency_key", "message_id")
    date_hierarchy = "created_at"
    raw_id_fields = ("candidate", "application", "recipient_user", "stage_change", "created_by")
    readonly_fields = (
        "status",
        "status_reason",
        "template_code",
        "to_address",
        "subject",
        "body_text",
        "body_html",
        "candidate",
        "application",
        "recipient_user",
        "stage_change",
        "send_after",
        "sent_at",
        "attempts",
        "last_error",
        "message_id",
        "idempotency_key",
        "lease_expires_at",
        "leased_by",
        "created_at",
        "created_by",
    )
    inlines = (MessageAttemptInline,)
    action_form = OutboundMessageActionForm
    actions = ("cancel_held", "send_again")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("candidate")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        # Staff may ask; message_cancel and message_retry decide whose messages they may touch.
        return request.user.is_active and request.user.is_staff

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return self.has_cancel_permission(request)

    @admin.action(description="Cancel the selected messages still held or queued", permissions=["cancel"])
    def cancel_held(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        reason = request.POST.get("reason", "").strip() or "Cancelled in the admin"
        pending = queryset.filter(status__in=[OutboundMessage.Status.HELD, OutboundMessage.Status.QUEUED])
        run_per_object(
            self,
            request,
            pending,
            lambda message: message_services.message_cancel(message=message, by=request.user, reason=reason),
            done="{count} cancelled.",
        )

    @admin.action(
        description="Send the selected failed or unknown-outcome messages again (may arrive twice)",
        permissions=["retry"],
    )
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        stuck = queryset.filter(status__in=[OutboundMessage.Status.FAILED, OutboundMessage.Status.UNKNOWN])
        run_per_object(
            self,
            request,
            stuck,
            lambda message: message_services.message_retry(message=message, by=request.user),
            done="{count} queued to be sent again.",
        )


@admin.register(MessageAttempt)
class MessageAttemptAdmin(ReadOnlyAdmin):
    list_display = ("message", "at", "outcome", "smtp_code", "worker")
    list_filter = ("outcome",)
    list_select_related = ("message",)
    search_fields = ("=message__id", "detail")
    date_hierarchy = "at"


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ("email", "reason", "created_at", "detail")
    list_filter = ("reason",)
    search_fields = ("email",)
    date_hierarchy = "created_at"


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "event_type", "recipient", "message", "received_at")
    list_filter = ("event_type",)
    list_select_related = ("message",)
    search_fields = ("=event_id", "recipient")
    date_hierarchy = "received_at"


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("pk", "received_at", "source", "sender", "subject", "status", "reason", "automatic", "application")
    list_filter = ("status", "automatic", "source")
    list_select_related = ("application__candidate", "application__job__client")
    search_fields = ("sender", "subject", "=header_message_id")
    date_hierarchy = "received_at"
    exclude = ("raw",)
    readonly_fields = ("raw_source",)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and not self._may_read_raw(request.user, obj):
            # The raw email carries the quoted original's signed links encoded (quoted-printable, base64),
            # where no mask can find them: it is for who may act on its application.
            return [name for name in fields if name != "raw_source"]
        return fields

    @staticmethod
    def _may_read_raw(user, obj: InboundMessage) -> bool:
        if role_of(user) == Role.ADMIN:
            return True
        return obj.application is not None and can_act_on(user, obj.application.owner_id)

    @admin.display(description="Raw source (the start kept for the audit)")
    def raw_source(self, obj: InboundMessage) -> str:
        return bytes(obj.raw).decode("utf-8", errors="replace")


@admin.register(TextDelivery)
class TextDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("provider_id", "backend", "purpose", "status", "error_code", "segments", "message", "created_at")
    list_filter = ("status", "purpose", "backend")
    list_select_related = ("message",)
    search_fields = ("=provider_id", "=message__id")
    raw_id_fields = ("candidate", "message")
    date_hierarchy = "created_at"


@admin.register(InboundText)
class InboundTextAdmin(ReadOnlyAdmin):
    list_display = ("provider_id", "received_at", "keyword", "status", "reason", "application")
    list_filter = ("status", "keyword")
    list_select_related = ("application__candidate", "application__job__client")
    search_fields = ("=provider_id",)
    raw_id_fields = ("candidate", "application", "contact")
    date_hierarchy = "received_at"


@admin.register(TextStop)
class TextStopAdmin(ReadOnlyAdmin):
    """The stop list keeps a digest of each number, never the number."""

    list_display = ("number_digest", "keyword", "stopped_at")
    search_fields = ("=number_digest",)
