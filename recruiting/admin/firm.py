"""The admin of the firm itself: teams, recruiter profiles, the firm's settings (name and look), the audit
log and the weekly figures.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect

from recruiting.admin.base import ReadOnlyAdmin, error_text
from recruiting.models import AuditLog, FigureWeek, FirmSettings, RecruiterProfile, Team
from recruiting.services.branding import LOGO_MAX_BYTES, firm_settings_update, logo_type_of


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


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    list_select_related = ("actor",)
    search_fields = ("action", "object_type", "=object_id", "actor__username")
    date_hierarchy = "at"
    readonly_fields = ("at", "actor", "action", "object_type", "object_id", "details")


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
