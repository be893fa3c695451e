"""The admin of applications and their history: created, moved, reopened and reassigned through the
services; stage changes, contacts and safety nets shown read-only, contacts logged with contact_log.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils import timezone

from recruiting import services
from recruiting.admin.base import ReadOnlyAdmin, ReadOnlyInline, error_text, run_per_object
from recruiting.models import CLOSED_STAGES, Application, ContactEvent, SafetyNet, Stage, StageChange
from recruiting.validators import validate_coming_date


class OverdueFilter(admin.SimpleListFilter):
    """Where the keep-in-the-loop clock stands, read from next_update_due."""

    title = "update owed"
    parameter_name = "owed"

    def lookups(self, request, model_admin):
        return (
            ("overdue", "Overdue now"),
            ("today", "Due within 24 hours"),
            ("later", "Due later"),
            ("none", "Nothing owed (closed or do not contact)"),
        )

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == "overdue":
            return queryset.filter(next_update_due__lte=now)
        if value == "today":
            return queryset.filter(next_update_due__gt=now, next_update_due__lte=now + timedelta(hours=24))
        if value == "later":
            return queryset.filter(next_update_due__gt=now + timedelta(hours=24))
        if value == "none":
            return queryset.filter(next_update_due__isnull=True)
        return queryset


class StageChangeInline(ReadOnlyInline):
    model = StageChange
    fields = ("at", "from_stage", "to_stage", "by", "note", "next_step_date", "notify")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class ContactEventInline(ReadOnlyInline):
    model = ContactEvent
    fields = ("at", "channel", "direction", "by", "summary", "message")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by", "message")


class ApplicationActionForm(ActionForm):
    to_stage = forms.ChoiceField(
        label="Stage:", required=False, choices=[("", "---------"), *Stage.choices], help_text="For 'Move'."
    )
    note = forms.CharField(label="Note:", required=False, max_length=500)


class ApplicationAddForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ("candidate", "job", "owner")


class ApplicationChangeForm(forms.ModelForm):
    # The promised next-step date, set, changed or cleared mid-stage through the promise service.
    next_step_date = forms.DateField(
        label="Next step expected by", required=False, help_text="Leave empty to withdraw the date given."
    )
    promise_note = forms.CharField(label="Note on the date", required=False, max_length=2000)
    tell_candidate = forms.BooleanField(label="Email the candidate the new date", required=False)

    class Meta:
        model = Application
        fields = ("owner",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_step_date"].initial = self.instance.promised_next_step_date

    def clean_next_step_date(self):
        # The date already promised stays as it is (it may have passed); a new one is checked like any date
        # a person types.
        day = self.cleaned_data["next_step_date"]
        if day is not None and "next_step_date" in self.changed_data:
            validate_coming_date(day, what="promised next-step date")
        return day


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = (
        "candidate",
        "job",
        "owner",
        "stage",
        "next_update_due",
        "last_informed_at",
        "promised_next_step_date",
    )
    list_filter = (OverdueFilter, "stage", "owner", "job__client")
    list_select_related = ("candidate", "job", "job__client", "owner")
    search_fields = ("candidate__first_name", "candidate__last_name", "candidate__email", "job__title")
    date_hierarchy = "created_at"
    autocomplete_fields = ("candidate", "job")
    state_fields = (
        "candidate",
        "job",
        "stage",
        "stage_entered_at",
        "promised_next_step_date",
        "last_informed_at",
        "next_update_due",
        "closed_at",
        "created_at",
    )
    inlines = (StageChangeInline, ContactEventInline)
    action_form = ApplicationActionForm
    actions = ("move_to_stage", "reopen")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("candidate", "job__client", "owner")

    def get_inlines(self, request, obj):
        # History belongs to an existing record; a new one starts with none.
        return self.inlines if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # An application's history is the record of what the candidate was told; it is closed, never deleted.
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ApplicationChangeForm if obj is not None else ApplicationAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("candidate", "job", "owner")
        return ("owner", "next_step_date", "promise_note", "tell_candidate", *self.state_fields)

    def get_readonly_fields(self, request, obj=None):
        return self.state_fields if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.application_create(
                candidate=form.cleaned_data["candidate"],
                job=form.cleaned_data["job"],
                owner=form.cleaned_data["owner"],
                by=request.user,
            )
            obj.pk = created.pk
        elif "owner" in form.changed_data:
            services.application_reassign(application=obj, owner=form.cleaned_data["owner"], by=request.user)
        if change and "next_step_date" in form.changed_data:
            services.application_promise(
                application=obj,
                next_step_date=form.cleaned_data["next_step_date"],
                by=request.user,
                note=form.cleaned_data["promise_note"],
                tell_candidate=form.cleaned_data["tell_candidate"],
            )

    def save_related(self, request, form, formsets, change):
        # The inlines are read-only; nothing else is saved beside the service call.
        return None

    def construct_change_message(self, request, form, formsets, add=False):
        # The read-only inlines were never saved, so they have nothing to report.
        return super().construct_change_message(request, form, [], add)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return redirect(request.path)

    @admin.action(description="Move selected applications to the chosen stage")
    def move_to_stage(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        to_stage = request.POST.get("to_stage", "")
        if to_stage not in Stage.values:
            self.message_user(request, "Choose the stage to move them to.", messages.WARNING)
            return
        note = request.POST.get("note", "").strip()
        run_per_object(
            self,
            request,
            queryset,
            lambda application: services.application_move(
                application=application, to_stage=to_stage, by=request.user, note=note
            ),
            done=f"{{count}} moved to {Stage(to_stage).label}.",
        )

    @admin.action(description="Reopen selected closed applications")
    def reopen(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        note = request.POST.get("note", "").strip()
        to_stage = request.POST.get("to_stage") or None
        run_per_object(
            self,
            request,
            queryset.filter(stage__in=CLOSED_STAGES),
            lambda application: services.application_reopen(
                application=application, by=request.user, to_stage=to_stage, note=note
            ),
            done="{count} reopened.",
        )


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdmin):
    list_display = ("application", "from_stage", "to_stage", "by", "at", "notify")
    list_filter = ("to_stage", "from_stage", "notify")
    list_select_related = ("application__candidate", "application__job__client", "by")
    search_fields = ("application__candidate__last_name", "application__candidate__email", "note")
    date_hierarchy = "at"


class ContactEventForm(forms.ModelForm):
    class Meta:
        model = ContactEvent
        fields = ("application", "channel", "direction", "summary", "at")


@admin.register(ContactEvent)
class ContactEventAdmin(admin.ModelAdmin):
    """Contacts are logged (contact_log: the clock and prompts follow) and never edited afterwards."""

    form = ContactEventForm
    list_display = ("application", "channel", "direction", "by", "at", "message")
    list_filter = ("channel", "direction")
    list_select_related = ("application__candidate", "application__job__client", "by", "message")
    search_fields = ("application__candidate__last_name", "application__candidate__email", "summary")
    autocomplete_fields = ("application",)
    date_hierarchy = "at"

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        contact = services.contact_log(
            application=data["application"],
            channel=data["channel"],
            direction=data["direction"],
            by=request.user,
            summary=data["summary"],
            at=data["at"],
        )
        obj.pk = contact.pk

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return redirect(request.path)


@admin.register(SafetyNet)
class SafetyNetAdmin(ReadOnlyAdmin):
    list_display = ("application", "silence_started_at", "kind", "acted_at")
    list_filter = ("kind",)
    list_select_related = ("application__candidate", "application__job__client")
