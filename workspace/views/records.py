"""Adding and editing records in the workspace: candidates, clients and jobs, and a candidate put forward
for a job from either side (their page, or the job's board). Every write is a service's."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from candidates.models import Candidate
from candidates.services.people import DUPLICATE_EMAIL_CODE, candidate_create, candidate_update
from recruiting.models import Client, Job
from recruiting.permissions import can_act_on
from recruiting.services import jobs_clients
from workspace import record_forms as rf
from workspace.views.common import call_service, call_service_or_refusal, done, form_page

FORM_TEMPLATE = "workspace/record_form.html"


def _form_page(request: HttpRequest, form, *, title: str, action: str, submit: str, **extra: Any) -> HttpResponse:
    pickers = [field.picker for field in form.fields.values() if isinstance(field, rf.PickerField)]
    context = {"form": form, "title": title, "action": action, "submit": submit, "pickers": pickers, **extra}
    return form_page(request, FORM_TEMPLATE, context, status=400 if form.is_bound else 200)


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _link_duplicate(form) -> None:
    """A new or edited email address that another candidate has: the refusal links that candidate's record."""
    errors = form.errors.as_data().get("email", [])
    if not any(error.code == DUPLICATE_EMAIL_CODE for error in errors):
        return
    form.errors["email"] = form.error_class(
        [
            format_html(
                '{} <a href="{}">Open their record.</a>',
                (error.message % error.params).removesuffix(" Open their record instead."),
                reverse("candidate_detail", args=[error.params["pk"]]),
            )
            if error.code == DUPLICATE_EMAIL_CODE
            else error
            for error in errors
        ]
    )


def _details(data: dict) -> dict[str, str]:
    return {key: data[key] for key in ("first_name", "last_name", "email", "phone", "time_zone")}


@login_required
@require_http_methods(["GET", "POST"])
def candidate_new(request: HttpRequest) -> HttpResponse:
    """A new candidate, owned by the recruiter who adds them; optionally put forward for a job at once."""
    form = rf.CandidateNewForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        # One transaction: a job refused after the candidate was created leaves no half-added candidate.
        @transaction.atomic
        def create() -> Candidate:
            candidate = candidate_create(**_details(data), owner=request.user, by=request.user)
            if data["job"] is not None:
                jobs_clients.application_add(candidate=candidate, job=data["job"], by=request.user)
            return candidate

        ok, candidate = call_service_or_refusal(form, create)
        if ok:
            return done(request, reverse("candidate_detail", args=[candidate.pk]), f"{candidate.full_name} added.")
        _link_duplicate(form)
    return _form_page(request, form, title="Add a candidate", action=reverse("candidate_new"), submit="Add candidate")


@login_required
@require_http_methods(["GET", "POST"])
def candidate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(Candidate, pk=pk, erased_at__isnull=True)
    if not can_act_on(request.user, candidate.owner_id):
        raise PermissionDenied("Only the candidate's owner, their team lead or an admin can change their details.")
    initial = {field: getattr(candidate, field) for field in ("first_name", "last_name", "email", "phone", "time_zone")}
    form = rf.CandidateForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, _ = call_service(
            form, lambda: candidate_update(candidate=candidate, by=request.user, **_details(form.cleaned_data))
        )
        if ok:
            return done(request, reverse("candidate_detail", args=[pk]), "Details saved.")
        _link_duplicate(form)
    return _form_page(
        request,
        form,
        title=f"Details of {candidate.full_name}",
        action=reverse("candidate_edit", args=[pk]),
        submit="Save details",
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_new(request: HttpRequest) -> HttpResponse:
    form = rf.ClientForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        ok, client = call_service(form, lambda: jobs_clients.client_create(**form.cleaned_data, by=request.user))
        if ok:
            return done(request, reverse("job_new") + f"?client={client.pk}", f"{client.name} added; now add its job.")
    return _form_page(request, form, title="Add a client", action=reverse("client_new"), submit="Add client")


@login_required
@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client, pk=pk)
    if not jobs_clients.can_edit_client(request.user):
        raise PermissionDenied("Only a team lead or an admin can change a client's settings.")
    initial = {
        "name": client.name,
        "industry": client.industry,
        "name_visible_before_submission": client.name_visible_before_submission,
    }
    form = rf.ClientForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, _ = call_service(
            form, lambda: jobs_clients.client_update(client=client, **form.cleaned_data, by=request.user)
        )
        if ok:
            return done(request, reverse("job_list"), f"{form.cleaned_data['name']} saved.")
    return _form_page(
        request, form, title=f"Client: {client.name}", action=reverse("client_edit", args=[pk]), submit="Save client"
    )


def _client_initial(request: HttpRequest) -> dict[str, str]:
    """A job added right after its client starts with that client chosen."""
    given = request.GET.get("client", "")
    client = Client.objects.filter(pk=int(given)).first() if given.isdigit() and len(given) < 19 else None
    return {"client": f"{client.name} #{client.pk}"} if client is not None else {}


@login_required
@require_http_methods(["GET", "POST"])
def job_new(request: HttpRequest) -> HttpResponse:
    form = rf.JobForm(_posted(request), initial=_client_initial(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, job = call_service(
            form,
            lambda: jobs_clients.job_create(
                client=data["client"],
                title=data["title"],
                location=data["location"],
                owner=data["owner"] or request.user,
                by=request.user,
            ),
        )
        if ok:
            return done(request, reverse("job_board", args=[job.pk]), f"{job.title} added.")
    return _form_page(request, form, title="Add a job", action=reverse("job_new"), submit="Add job")


@login_required
@require_http_methods(["GET", "POST"])
def job_edit(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.select_related("client", "owner"), pk=pk)
    if not can_act_on(request.user, job.owner_id):
        raise PermissionDenied("Only the job's owner, their team lead or an admin can change it.")
    initial = {
        "title": job.title,
        "client": f"{job.client.name} #{job.client_id}",
        "location": job.location,
        "owner": rf.user_label(job.owner),
        "status": job.status,
    }
    form = rf.JobEditForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _ = call_service(
            form,
            lambda: jobs_clients.job_update(
                job=job,
                client=data["client"],
                title=data["title"],
                location=data["location"],
                owner=data["owner"] or job.owner,
                status=data["status"],
                by=request.user,
            ),
        )
        if ok:
            return done(request, reverse("job_board", args=[pk]), "Job saved.")
    return _form_page(
        request, form, title=f"Job: {job.title}", action=reverse("job_edit", args=[pk]), submit="Save job"
    )


def _application_add(request: HttpRequest, form, *, pick, back: str, done_text, title: str, action: str):
    """Put a candidate forward for a job, from whichever side the form was opened: `pick` gives the
    (candidate, job) pair from the form's cleaned data, `done_text` the message for them."""
    if request.method == "POST" and form.is_valid():
        candidate, job = pick(form.cleaned_data)
        ok, _ = call_service_or_refusal(
            form,
            lambda: jobs_clients.application_add(
                candidate=candidate, job=job, by=request.user, notify=not form.cleaned_data["dont_notify"]
            ),
        )
        if ok:
            return done(request, back, done_text(candidate, job))
    return _form_page(request, form, title=title, action=action, submit="Add to job")


@login_required
@require_http_methods(["GET", "POST"])
def candidate_application_add(request: HttpRequest, pk: int) -> HttpResponse:
    """From the candidate's page: put them forward for an open job."""
    candidate = get_object_or_404(Candidate.objects.select_related("owner"), pk=pk, erased_at__isnull=True)
    return _application_add(
        request,
        rf.ApplicationToJobForm(_posted(request), user=request.user, candidate=candidate),
        pick=lambda data: (candidate, data["job"]),
        back=reverse("candidate_detail", args=[pk]),
        done_text=lambda _candidate, job: f"Put forward for {job.title}.",
        title=f"Put {candidate.full_name} forward for a job",
        action=reverse("candidate_application_add", args=[pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def job_application_add(request: HttpRequest, pk: int) -> HttpResponse:
    """From the job's board: add a candidate to it."""
    job = get_object_or_404(Job.objects.select_related("owner"), pk=pk)
    return _application_add(
        request,
        rf.ApplicationOfCandidateForm(_posted(request), user=request.user, job=job),
        pick=lambda data: (data["candidate"], job),
        back=reverse("job_board", args=[pk]),
        done_text=lambda candidate, _job: f"{candidate.full_name} added to {job.title}.",
        title=f"Add a candidate to {job.title}",
        action=reverse("job_application_add", args=[pk]),
    )
