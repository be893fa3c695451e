"""The admin of clients, their hiring managers and jobs, and the client-facing records (chases, answers,
job closings), which only services write.
"""

from django.contrib import admin
from django.http import HttpRequest

from recruiting.admin.base import ReadOnlyAdmin
from recruiting.models import Client, ClientAnswer, ClientChase, HiringManager, Job, JobClosing
from recruiting.services import hiring_managers


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


@admin.register(JobClosing)
class JobClosingAdmin(ReadOnlyAdmin):
    """Closings requested from the job page: one not finished is still waiting for, or running in, a worker."""

    list_display = ("job", "outcome", "requested_by", "created_at", "started_at", "finished_at")
    list_filter = ("outcome",)
    list_select_related = ("job__client", "requested_by")
    raw_id_fields = ("job", "requested_by")
    date_hierarchy = "created_at"
