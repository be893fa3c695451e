"""A client's contacts (add or change its hiring managers, name who answers for each job), and the date a
client promised its answer by."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from recruiting.models import Application, Client, HiringManager
from recruiting.permissions import can_act_on
from recruiting.selectors import clients as client_selectors
from recruiting.services import clients as client_services
from recruiting.services import hiring_managers
from workspace import forms
from workspace.views.common import call_service, done, form_page


def _manager_form(request: HttpRequest, client: Client, editing: HiringManager | None) -> forms.HiringManagerForm:
    posted = request.method == "POST" and request.POST.get("action") == "manager"
    initial = (
        {
            "name": editing.name,
            "email": editing.email,
            "time_zone": editing.time_zone,
            "do_not_email": editing.do_not_email,
        }
        if editing
        else {"time_zone": "UTC"}
    )
    return forms.HiringManagerForm(request.POST if posted else None, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def client_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client, pk=pk)
    managers = list(client_selectors.hiring_managers_of_client(client_id=client.pk))
    by_pk = {manager.pk: manager for manager in managers}
    editing = by_pk.get(_int(request.POST.get("manager") or request.GET.get("edit")))
    form = _manager_form(request, client, editing)
    here = reverse("client_contacts", args=[client.pk])
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        ok, saved = call_service(
            form,
            lambda: hiring_managers.hiring_manager_save(client=client, by=request.user, hiring_manager=editing, **data),
        )
        if ok:
            return done(request, here, f"{saved.name} saved.")
    if request.method == "POST" and request.POST.get("action") == "job":
        job = get_object_or_404(client.jobs, pk=_int(request.POST.get("job")))
        named = [by_pk[pk] for pk in map(_int, request.POST.getlist("hiring_managers")) if pk in by_pk]
        hiring_managers.job_hiring_managers_set(job=job, hiring_managers=named, by=request.user)
        return done(request, here, f"Contacts for {job.title} saved.")
    jobs = list(client.jobs.prefetch_related("hiring_managers").select_related("owner").order_by("title", "pk"))
    for job in jobs:
        job.named_ids = {manager.pk for manager in job.hiring_managers.all()}
        job.can_manage = can_act_on(request.user, job.owner_id)
    return render(
        request,
        "workspace/client_contacts.html",
        {"client": client, "managers": managers, "form": form, "editing": editing, "jobs": jobs},
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def application_client_promise(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the date a client promised its answer by, as the candidate's promised date is recorded."""
    application = get_object_or_404(Application.objects.select_related("candidate", "job__client"), pk=pk)
    form = forms.ClientPromiseForm(request.POST or None)
    back = reverse("candidate_detail", args=[application.candidate_id])
    if request.method == "POST" and form.is_valid():
        ok, _ = call_service(
            form,
            lambda: client_services.application_client_promise_set(
                application=application,
                promised_date=form.cleaned_data["promised_date"],
                note=form.cleaned_data["note"],
                by=request.user,
            ),
        )
        if ok:
            return done(request, back, f"{application.job.client.name}'s promised date recorded.")
    return form_page(
        request,
        "workspace/client_promise.html",
        {"application": application, "form": form},
        status=400 if form.is_bound else 200,
    )
