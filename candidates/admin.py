"""The Django admin for candidates. Created with candidate_create; preferences changed with the actions
(candidate_set_preferences), never by editing the record: the clock and the audit trail follow them."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect

from candidates.models import Candidate, CandidateImport, TextConsent
from candidates.services.data_rights import ERASE_CONFIRMATION, candidate_erase
from candidates.services.merge import candidates_merge
from candidates.services.people import candidate_create, candidate_set_preferences
from recruiting.admin import ReadOnlyAdmin, ReadOnlyInline, error_text, run_per_object
from recruiting.models import Application


class ApplicationInline(ReadOnlyInline):
    model = Application
    fk_name = "candidate"
    fields = ("job", "owner", "stage", "next_update_due", "last_informed_at", "promised_next_step_date")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("job__client", "owner")


class CandidateActionForm(ActionForm):
    reason = forms.CharField(
        label="Reason:",
        required=False,
        max_length=300,
        help_text=f"Why the candidate is not to be contacted; {ERASE_CONFIRMATION} to confirm an erasure.",
    )


class CandidateAddForm(forms.ModelForm):
    class Meta:
        model = Candidate
        fields = ("first_name", "last_name", "email", "phone", "time_zone", "owner")


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = (
        "full_name",
        "email",
        "owner",
        "do_not_contact",
        "automated_updates_paused",
        "email_status",
        "time_zone",
    )
    list_filter = ("do_not_contact", "automated_updates_paused", "email_status", "owner")
    list_select_related = ("owner",)
    search_fields = ("first_name", "last_name", "email", "phone")
    autocomplete_fields = ("owner",)
    ordering = ("last_name", "first_name")
    details_fields = ("first_name", "last_name", "email", "phone", "time_zone", "owner")
    preference_fields = (
        "do_not_contact",
        "do_not_contact_reason",
        "do_not_contact_at",
        "automated_updates_paused",
        "email_status",
        "link_version",
        "erased_at",
        "created_at",
    )
    inlines = (ApplicationInline,)
    action_form = CandidateActionForm
    actions = (
        "mark_do_not_contact",
        "allow_contact",
        "pause_automated_updates",
        "resume_automated_updates",
        "erase_personal_data",
        "merge_two",
    )

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # A candidate's history is kept for the firm's figures; their personal data is erased instead.
        return False

    def get_inlines(self, request, obj):
        # History belongs to an existing record; a new one starts with none.
        return self.inlines if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CandidateAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return (*self.details_fields, *self.preference_fields) if obj is not None else self.details_fields

    def get_readonly_fields(self, request, obj=None):
        # Details are edited in the workspace; here only creation and the preference actions change a candidate.
        return (*self.details_fields, *self.preference_fields) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        created = candidate_create(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            time_zone=data["time_zone"],
            owner=data["owner"],
            by=request.user,
        )
        obj.pk = created.pk

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return redirect(request.path)

    def _set(self, request: HttpRequest, queryset: QuerySet[Candidate], *, done: str, **preferences) -> None:
        run_per_object(
            self,
            request,
            queryset,
            lambda candidate: candidate_set_preferences(candidate=candidate, by=request.user, **preferences),
            done=done,
        )

    @admin.action(description="Do not contact the selected candidates (give the reason)")
    def mark_do_not_contact(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> None:
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(request, "Say why the candidates are not to be contacted.", messages.WARNING)
            return
        self._set(request, queryset, done="{count} marked do not contact.", do_not_contact=True, reason=reason)

    @admin.action(description="Allow contact again for the selected candidates")
    def allow_contact(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> None:
        self._set(request, queryset, done="{count} may be contacted again.", do_not_contact=False)

    @admin.action(description="Pause automated updates for the selected candidates")
    def pause_automated_updates(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> None:
        self._set(request, queryset, done="{count} paused.", automated_updates_paused=True)

    @admin.action(description="Resume automated updates for the selected candidates")
    def resume_automated_updates(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> None:
        self._set(request, queryset, done="{count} resumed.", automated_updates_paused=False)

    @admin.action(
        description="Erase the selected candidates' personal data (type ERASE as the reason; cannot be undone)"
    )
    def erase_personal_data(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> None:
        if request.POST.get("reason", "").strip() != ERASE_CONFIRMATION:
            self.message_user(
                request, f"Nothing erased: type {ERASE_CONFIRMATION} in the box to confirm.", messages.WARNING
            )
            return
        run_per_object(
            self,
            request,
            queryset,
            lambda candidate: candidate_erase(candidate=candidate, by=request.user),
            done="{count} erased.",
        )

    @admin.action(description="Merge the two selected candidates (one person): keep the older record")
    def merge_two(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> None:
        chosen = list(queryset.order_by("pk")[:3])
        if len(chosen) != 2:
            self.message_user(request, "Select exactly two candidates to merge.", messages.WARNING)
            return
        keep, merge = chosen
        try:
            candidates_merge(keep=keep, merge=merge, by=request.user)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return
        self.message_user(
            request,
            f"Candidate #{merge.pk} was merged into #{keep.pk}; their applications and messages moved.",
            messages.SUCCESS,
        )


@admin.register(CandidateImport)
class CandidateImportAdmin(admin.ModelAdmin):
    """Background CSV imports: read-only; started in the workspace (Candidates, Import a CSV)."""

    list_display = ("pk", "file_name", "uploaded_by", "status", "rows", "candidates_created", "created_at")
    list_filter = ("status",)
    list_select_related = ("uploaded_by",)
    exclude = ("content",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(TextConsent)
class TextConsentAdmin(ReadOnlyAdmin):
    """The history of each candidate's consent to texts: written by candidates.services.texts only."""

    list_display = ("candidate", "given", "how", "by", "at")
    list_filter = ("given", "how")
    list_select_related = ("candidate", "by")
    search_fields = ("=candidate__id",)
    raw_id_fields = ("candidate", "by")
    date_hierarchy = "at"
