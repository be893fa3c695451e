"""The admin of recruiter prompts: read-only, resolved with an action through prompt_resolve."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest

from recruiting.admin.base import ReadOnlyAdmin, run_per_object
from recruiting.models import RecruiterPrompt
from recruiting.services import prompts as prompt_services


class PromptStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("open", "Open"), ("escalated", "Open and escalated"), ("resolved", "Resolved"))

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "escalated":
            return queryset.filter(resolved_at__isnull=True, escalated_at__isnull=False)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


class PromptActionForm(ActionForm):
    resolution = forms.CharField(label="How it was dealt with:", required=False, max_length=300)


@admin.register(RecruiterPrompt)
class RecruiterPromptAdmin(ReadOnlyAdmin):
    list_display = ("application", "recruiter", "reason", "due_at", "escalated_at", "resolved_at")
    list_filter = (PromptStateFilter, "reason", "recruiter")
    list_select_related = ("application__candidate", "application__job__client", "recruiter")
    search_fields = ("application__candidate__last_name", "application__candidate__email", "detail")
    date_hierarchy = "due_at"
    readonly_fields = (
        "application",
        "recruiter",
        "reason",
        "detail",
        "due_at",
        "created_at",
        "snoozed_until",
        "snooze_reason",
        "escalated_at",
        "escalated_to",
        "resolved_at",
        "resolution",
        "message",
    )
    action_form = PromptActionForm
    actions = ("resolve",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "application__candidate", "application__job__client", "recruiter", "escalated_to", "message"
            )
        )

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    @admin.action(description="Resolve the selected prompts (say how)", permissions=["resolve"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[RecruiterPrompt]) -> None:
        resolution = request.POST.get("resolution", "").strip()
        if not resolution:
            self.message_user(request, "Say how the prompts were dealt with.", messages.WARNING)
            return
        run_per_object(
            self,
            request,
            queryset,
            lambda prompt: prompt_services.prompt_resolve(prompt=prompt, by=request.user, resolution=resolution),
            done="{count} resolved.",
        )
