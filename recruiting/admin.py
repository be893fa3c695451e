"""The Django admin for the pipeline. State changes go through the services, never through a model save.

Applications, stage changes, contacts and the audit log are read-only here: an application is created with
application_create, moved or reopened with the actions (application_move, application_reopen), given to
another recruiter with application_reassign, and a contact is logged with contact_log. Reference data
(teams, profiles, clients, jobs, stage policies, holidays) is edited as plain admin records.
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

from notifications.services import promises
from notifications.services.stage_emails import stage_default_hold_minutes, stage_hold_minutes
from recruiting import services
from recruiting.models import (
    CLOSED_STAGES,
    Application,
    AuditLog,
    Client,
    ClientAnswer,
    ClientChase,
    ContactEvent,
    FigureWeek,
    FirmHoliday,
    FirmSettings,
    HiringManager,
    Job,
    JobClosing,
    RecruiterProfile,
    RecruiterPrompt,
    SafetyNet,
    Stage,
    StageChange,
    StagePolicy,
    Team,
)
from recruiting.services import hiring_managers
from recruiting.services import prompts as prompt_services
from recruiting.services.branding import LOGO_MAX_BYTES, firm_settings_update, logo_type_of
from recruiting.task_calls import TaskCall, enqueue_on_commit
from recruiting.validators import validate_coming_date


def error_text(error: Exception) -> str:
    """One readable line from a service's ValidationError or PermissionDenied."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "Not allowed."


def run_per_object(
    modeladmin: admin.ModelAdmin, request: HttpRequest, objects, act, *, done: str
) -> tuple[int, list[str]]:
    """Call `act(obj)` for each object, each in its own service transaction, and report to the user."""
    succeeded, failures = 0, []
    for obj in objects:
        try:
            act(obj)
        except (ValidationError, PermissionDenied) as error:
            failures.append(f"{obj}: {error_text(error)}")
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done.format(count=succeeded), messages.SUCCESS)
    for failure in failures[:20]:
        modeladmin.message_user(request, failure, messages.ERROR)
    if len(failures) > 20:
        modeladmin.message_user(request, f"...and {len(failures) - 20} more not changed.", messages.ERROR)
    return succeeded, failures


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only services write: visible to staff, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


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


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "lead")
    list_select_related = ("lead",)
    search_fields = ("name",)
    autocomplete_fields = ("lead",)


@admin.register(RecruiterProfile)
class RecruiterProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "team", "time_zone")
    list_filter = ("role", "team")
    list_select_related = ("user", "team")
    search_fields = ("user__username", "user__first_name", "user__last_name", "user__email")
    autocomplete_fields = ("user",)


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "industry", "name_visible_before_submission", "created_at")
    list_filter = ("name_visible_before_submission", "industry")
    search_fields = ("name", "industry")


@admin.register(HiringManager)
class HiringManagerAdmin(admin.ModelAdmin):
    """Client contacts, written through their service; erasure is the erase_hiring_manager command."""

    list_display = ("name", "client", "email", "time_zone", "do_not_email", "erased_at")
    list_filter = ("do_not_email", "client")
    list_select_related = ("client",)
    search_fields = ("name", "email", "client__name")
    autocomplete_fields = ("client",)
    fields = ("client", "name", "email", "time_zone", "do_not_email")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = hiring_managers.hiring_manager_save(
            client=data["client"],
            name=data["name"],
            email=data["email"],
            time_zone=data["time_zone"],
            do_not_email=data["do_not_email"],
            by=request.user,
            hiring_manager=HiringManager.objects.get(pk=obj.pk) if change else None,
        )
        obj.pk = saved.pk


@admin.register(ClientChase)
class ClientChaseAdmin(ReadOnlyAdmin):
    list_display = ("application", "hiring_manager", "due_at", "at", "message")
    list_select_related = ("application__candidate", "application__job__client", "hiring_manager__client", "message")
    raw_id_fields = ("application", "hiring_manager", "message")
    date_hierarchy = "at"


@admin.register(ClientAnswer)
class ClientAnswerAdmin(ReadOnlyAdmin):
    list_display = ("application", "hiring_manager", "kind", "stage", "asked_at", "at")
    list_filter = ("kind", "stage")
    list_select_related = ("application__candidate", "application__job__client", "hiring_manager__client")
    raw_id_fields = ("application", "hiring_manager")
    date_hierarchy = "at"


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("title", "client", "location", "owner", "status", "created_at")
    list_filter = ("status", "client", "owner")
    list_select_related = ("client", "owner")
    search_fields = ("title", "location", "client__name")
    ordering = ("title", "pk")
    autocomplete_fields = ("client", "owner", "hiring_managers")

    def save_related(self, request, form, formsets, change):
        # The managers named on the job go through their service (checked, audited), not the form.
        named = form.cleaned_data.pop("hiring_managers", None)
        super().save_related(request, form, formsets, change)
        if named is not None:
            hiring_managers.job_hiring_managers_set(job=form.instance, hiring_managers=list(named), by=request.user)


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
            promises.application_promise_change(
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


class ClockRuleAdmin(admin.ModelAdmin):
    """Stage policies and firm holidays move every active application's clock: an edit of what the clock
    is computed from (`clock_fields`), or a deletion, recomputes them in a worker after it commits."""

    clock_fields: frozenset[str] = frozenset()

    def _recompute(self, request: HttpRequest, label: str, pk: int, reason: str) -> None:
        enqueue_on_commit(TaskCall("recruiting.tasks.clocks_recompute_run", args=(request.user.pk, label, pk, reason)))
        self.message_user(
            request, "The next-update dates of every active application are being recomputed.", messages.INFO
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and not self.clock_fields.intersection(form.changed_data):
            return
        self._recompute(request, obj._meta.label_lower, obj.pk, f"{obj._meta.verbose_name} saved: {obj}")

    def delete_model(self, request, obj):
        label, pk, text = obj._meta.label_lower, obj.pk, str(obj)
        super().delete_model(request, obj)
        self._recompute(request, label, pk, f"{obj._meta.verbose_name} deleted: {text}")

    def delete_queryset(self, request, queryset):
        rows = [(row._meta.label_lower, row.pk, str(row)) for row in queryset]
        super().delete_queryset(request, queryset)
        if rows:
            label, pk, _ = rows[0]
            names = ", ".join(text for _, _, text in rows)
            self._recompute(request, label, pk, f"{self.model._meta.verbose_name_plural} deleted: {names}")


@admin.register(StagePolicy)
class StagePolicyAdmin(ClockRuleAdmin):
    # The escalate-after days space the schedule's steps, so they move the clock too.
    clock_fields = frozenset(
        {"stage", "max_silent_business_days", "grace_business_days", "escalate_after_business_days"}
    )
    list_display = (
        "stage",
        "max_silent_business_days",
        "grace_business_days",
        "escalate_after_business_days",
        "feedback_due_business_days",
        "send_automated_email",
        "template_code",
        "hold",
    )
    list_filter = ("send_automated_email",)
    readonly_fields = ("stage_default_hold",)

    @admin.display(description="hold (minutes)")
    def hold(self, obj: StagePolicy) -> str:
        minutes = stage_hold_minutes(obj.stage, obj)
        return str(minutes) if obj.hold_minutes is not None else f"{minutes} (the stage's default)"

    @admin.display(description="the stage's default hold (minutes)")
    def stage_default_hold(self, obj: StagePolicy | None) -> str:
        if obj is None or not obj.stage:
            return f"{stage_default_hold_minutes('')}; {stage_default_hold_minutes('rejected')} for rejections"
        return str(stage_default_hold_minutes(obj.stage))


@admin.register(FirmHoliday)
class FirmHolidayAdmin(ClockRuleAdmin):
    clock_fields = frozenset({"date"})
    list_display = ("date", "name")
    date_hierarchy = "date"
    search_fields = ("name",)


@admin.register(SafetyNet)
class SafetyNetAdmin(ReadOnlyAdmin):
    list_display = ("application", "silence_started_at", "kind", "acted_at")
    list_filter = ("kind",)
    list_select_related = ("application__candidate", "application__job__client")


@admin.register(JobClosing)
class JobClosingAdmin(ReadOnlyAdmin):
    """Closings requested from the job page: one not finished is still waiting for, or running in, a worker."""

    list_display = ("job", "outcome", "requested_by", "created_at", "started_at", "finished_at")
    list_filter = ("outcome",)
    list_select_related = ("job__client", "requested_by")
    raw_id_fields = ("job", "requested_by")
    date_hierarchy = "created_at"


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    list_select_related = ("actor",)
    search_fields = ("action", "object_type", "=object_id", "actor__username")
    date_hierarchy = "at"
    readonly_fields = ("at", "actor", "action", "object_type", "object_id", "details")


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


class FirmSettingsForm(forms.ModelForm):
    logo_file = forms.FileField(label="Logo", required=False, help_text="PNG or JPEG, at most 200 KB.")
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)

    class Meta:
        model = FirmSettings
        fields = ("firm_name", "sending_name", "colour")

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if upload:
            if upload.size > LOGO_MAX_BYTES:
                raise ValidationError("The logo is larger than 200 KB.")
            logo_type_of(upload.read(16))
            upload.seek(0)
        return upload


@admin.register(FirmSettings)
class FirmSettingsAdmin(admin.ModelAdmin):
    """One row: the firm's name and look, saved through firm_settings_update."""

    form = FirmSettingsForm
    list_display = ("firm_name", "sending_name", "colour", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not FirmSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        upload = data.get("logo_file")
        saved = firm_settings_update(
            by=request.user,
            firm_name=data["firm_name"],
            sending_name=data["sending_name"],
            colour=data["colour"],
            logo=upload.read() if upload else None,
            remove_logo=data.get("remove_logo", False),
        )
        obj.pk = saved.pk

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return redirect(request.path)


@admin.register(FigureWeek)
class FigureWeekAdmin(ReadOnlyAdmin):
    """The weekly trend's readings (recorded hourly by beat); shown on Figures by week."""

    list_display = ("week_start", "scope", "name", "active", "within_policy", "median_days_silent")
    list_filter = ("scope", "week_start")
    search_fields = ("name",)
