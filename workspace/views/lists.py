"""The pipeline list: every application one may look at, mine by default, filtered, sorted and paged from
the URL; and its bulk actions (check-in, move, reassign), each row reported with its own result."""

from dataclasses import dataclass

from django import forms as django_forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from notifications.services import messages as message_services
from recruiting import services
from recruiting.models import ACTIVE_STAGES, Application, Stage
from workspace import record_forms as rf
from workspace import selectors as ws
from workspace.tables import (
    PER_PAGE,
    ApplicationFilter,
    ApplicationTable,
    JobFilter,
    JobTable,
    acting_for,
    applications_listed,
)
from workspace.views.common import safe_next

BULK_MAX = 200


class BulkForm(django_forms.Form):
    action = django_forms.ChoiceField(
        choices=[("check_in", "Send the check-in"), ("move", "Move to a stage"), ("reassign", "Give to a colleague")]
    )
    to_stage = django_forms.ChoiceField(label="Stage", choices=[("", "—"), *Stage.choices], required=False)
    owner = rf.PickerField(
        picker="users", queryset_fn=rf.active_users, required=False, label="Colleague", missing="Choose a colleague."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-control form-control-sm" if name == "owner" else "form-select form-select-sm"
            )

    def clean(self):
        data = super().clean()
        if data.get("action") == "move" and not data.get("to_stage"):
            self.add_error("to_stage", "Choose the stage to move to.")
        if data.get("action") == "reassign" and not data.get("owner"):
            self.add_error("owner", "Choose who takes them over.")
        return data


@login_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    filters = ApplicationFilter(request.GET, queryset=applications_listed(), user=request.user)
    queryset = filters.qs if filters.is_valid() else filters.queryset.none()
    table = ApplicationTable(queryset, may_act_for=acting_for(request.user), order_by_field="sort")
    # Silent paging: a page number past the end (or not a number) shows the last (or first) page.
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    totals = {"total": table.paginator.count}
    context = {
        "filters": filters,
        "table": table,
        "totals": totals,
        "bulk_form": BulkForm(),
        "page_range": table.paginator.get_elided_page_range(table.page.number),
    }
    return render(request, "workspace/application_list.html", context)


@dataclass(frozen=True)
class RowResult:
    application: Application
    ok: bool
    text: str


def _one(request: HttpRequest, application: Application, data: dict) -> RowResult:
    action = data["action"]
    try:
        if action == "check_in":
            result = message_services.check_ins_queue(applications=[application], by=request.user)
            if result.skipped:
                why = result.skipped[0][1]
                if application.pk in result.suppressed_ids:
                    return RowResult(application, False, f"Check-in suppressed, not sent: {why}")
                return RowResult(application, False, f"No check-in: {why}")
            if application.pk in result.next_day_ids:
                return RowResult(
                    application,
                    True,
                    "Check-in in the outbox (held, so you can still read it); it goes on their next day, as they "
                    "already had an email from us today.",
                )
            return RowResult(application, True, "Check-in in the outbox (held, so you can still read it).")
        if action == "move":
            services.application_move(application=application, to_stage=data["to_stage"], by=request.user)
            return RowResult(application, True, f"Moved to {Stage(data['to_stage']).label}.")
        services.application_reassign(application=application, owner=data["owner"], by=request.user)
        owner = data["owner"]
        return RowResult(application, True, f"Now {owner.get_full_name() or owner.get_username()}'s.")
    except ValidationError as error:
        return RowResult(application, False, " ".join(error.messages))
    except PermissionDenied as error:
        return RowResult(application, False, str(error))


@login_required
@require_POST
def applications_bulk(request: HttpRequest) -> HttpResponse:
    """Each ticked application through its own service call; the answer lists every row's result."""
    form = BulkForm(request.POST)
    ids = [int(value) for value in request.POST.getlist("applications") if value.isdigit() and len(value) < 19]
    selection = list(
        Application.objects.filter(pk__in=ids[:BULK_MAX]).select_related("candidate", "job").order_by("pk")
    )
    if not selection:
        form.add_error(None, "Tick at least one row first.")
    results = [_one(request, application, form.cleaned_data) for application in selection] if form.is_valid() else []
    context = {
        "form": form,
        "results": results,
        "back": safe_next(request, reverse("application_list")),
        "done": sum(1 for result in results if result.ok),
        "live_stages": ACTIVE_STAGES,
    }
    return render(request, "workspace/bulk_result.html", context, status=200 if form.is_valid() else 400)


@login_required
@require_GET
def job_table(request: HttpRequest) -> HttpResponse:
    """My jobs (by default), my team's or everyone's, with live and overdue counts, sortable and paged."""
    filters = JobFilter(request.GET, queryset=ws.jobs_with_counts(), user=request.user)
    queryset = filters.qs if filters.is_valid() else filters.queryset.none()
    table = JobTable(queryset, order_by_field="sort")
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    context = {"filters": filters, "table": table, "total": table.paginator.count}
    return render(request, "workspace/job_table.html", context)
