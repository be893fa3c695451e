"""Jobs: the list, the board and its columns, moving applications (with the email it would send), closing."""

import re
import uuid
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications.services import channels, freshness, stage_emails
from notifications.services import templates as template_services
from recruiting import selectors, services
from recruiting.models import ACTIVE_STAGES, Application, Job, Stage
from recruiting.permissions import can_act_on, ensure_can_act_on_application, put_forward_candidate_owner_ids
from recruiting.services import jobs as job_services
from workspace import forms
from workspace import selectors as ws
from workspace.views.common import (
    actable_applications,
    call_service,
    done,
    form_page,
    ids_from,
    is_htmx,
    page_of,
    safe_next,
)


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    jobs = ws.jobs_with_counts()
    if query.strip():
        jobs = jobs.filter(pk__in=ws.jobs_search(query=query).values("pk"))
    return render(request, "workspace/job_list.html", {"jobs": page_of(jobs, request), "query": query})


@login_required
@require_GET
def job_board(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.select_related("client", "owner"), pk=pk)
    columns = ws.job_board(job=job)
    for column in columns:
        for application in column.cards:
            # The card says which client it waits on: the job at hand, not a query per card.
            application.job = job
    movable = {
        application.pk for application in actable_applications(request.user, [a for c in columns for a in c.cards])
    }
    for column in columns:
        for application in column.cards:
            application.movable = application.pk in movable
    return render(
        request,
        "workspace/job_board.html",
        {
            "job": job,
            "columns": columns,
            "live": sum(column.total for column in columns if column.stage in ACTIVE_STAGES),
            "bulk_stages": Stage.choices,
            "can_manage": can_act_on(request.user, job.owner_id),
            # Split desks: anyone whose candidates may go to this job (a colleague's, or within the team).
            "can_put_forward": job.status == Job.Status.OPEN
            and put_forward_candidate_owner_ids(request.user, job_owner_id=job.owner_id) != set(),
        },
    )


@login_required
@require_GET
def job_stage(request: HttpRequest, pk: int, stage: str) -> HttpResponse:
    """Every card of one column, paginated (the board shows the first ones)."""
    job = get_object_or_404(Job.objects.select_related("client"), pk=pk)
    if stage not in Stage.values:
        raise Http404("No such stage.")
    applications = page_of(ws.job_stage_applications(job=job, stage=stage), request)
    for application in applications:
        application.job = job
    movable = {application.pk for application in actable_applications(request.user, applications.items)}
    for application in applications:
        application.movable = application.pk in movable
    return render(request, "workspace/job_stage.html", {"job": job, "stage": stage, "applications": applications})


def _move_preview(application: Application, to_stage: str, next_step_date: date | None = None) -> dict:
    """The move form's preview: `preview` (template code or None, rendered message, a note for the recruiter)
    and the warnings on the promised date (past_date, too_far_date), from the pipeline's preview."""
    after = selectors.application_move_preview(
        application=application, to_stage=to_stage, next_step_date=next_step_date
    )
    warnings = {"past_date": after.past_date, "too_far_date": after.too_far_date}
    code, note = stage_emails.stage_template_code(application=application, to_stage=to_stage)
    if code is None:
        return {"preview": (None, None, note), **warnings}
    # Written as the candidate will read it: once sent, their clock starts again from that moment.
    sent_at = stage_emails.stage_email_send_moment(application=application, to_stage=to_stage)
    fields = freshness.merge_fields_as_sent(after.moved, at=sent_at)
    preview = template_services.template_render(code=code, fields=fields)
    text = channels.text_preview(application=after.moved, template_code=code, fields=fields)
    return {"preview": (code, preview, note), "text": text, **warnings}


def _date_or_none(value: str | None) -> date | None:
    """A date from the query string for the preview: None when it is not one."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def application_move(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application.objects.select_related("candidate", "job__client", "owner"), pk=pk)
    ensure_can_act_on_application(request.user, application)
    # Back where the move was started (the candidate page passes ?next=), else the job's board.
    board = safe_next(request, reverse("job_board", args=[application.job_id]))
    if request.method == "POST":
        form = forms.MoveForm(request.POST, application=application)
        if form.is_valid():
            data = form.cleaned_data
            ok, _ = call_service(
                form,
                lambda: services.application_move(
                    application=application,
                    to_stage=data["to_stage"],
                    by=request.user,
                    note=data["note"],
                    next_step_date=data["next_step_date"],
                    notify=not data["dont_notify"],
                ),
            )
            if ok:
                return done(request, board, f"{application.candidate} moved to {Stage(data['to_stage']).label}.")
    else:
        form = forms.MoveForm(application=application, initial={"to_stage": request.GET.get("to_stage")})
    to_stage = (
        form.data.get("to_stage") or form.initial.get("to_stage") or (form.fields["to_stage"].choices or [[None]])[0][0]
    )
    promised = _date_or_none(form.data.get("next_step_date"))
    preview = (
        _move_preview(application, to_stage, promised) if to_stage in Stage.values else {"preview": (None, None, "")}
    )
    return form_page(
        request,
        "workspace/application_move.html",
        {"form": form, "application": application, "to_stage": to_stage, "board_url": board, **preview},
    )


@login_required
@require_GET
def application_move_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The email preview inside the move form, refreshed by htmx when the target stage changes."""
    application = get_object_or_404(Application.objects.select_related("candidate", "job__client", "owner"), pk=pk)
    ensure_can_act_on_application(request.user, application)
    to_stage = request.GET.get("to_stage", "")
    if to_stage not in Stage.values:
        raise Http404("No such stage.")
    promised = _date_or_none(request.GET.get("next_step_date"))
    return render(
        request,
        "workspace/_move_preview.html",
        {**_move_preview(application, to_stage, promised), "dont_notify": bool(request.GET.get("dont_notify"))},
    )


@login_required
@require_POST
def job_bulk_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the ticked cards, each through application_move: what one may not move is reported, not hidden."""
    job = get_object_or_404(Job, pk=pk)
    board = reverse("job_board", args=[job.pk])
    ids = ids_from(request.POST.getlist("applications"))
    selection = list(Application.objects.filter(job=job, pk__in=ids).select_related("candidate"))
    form = forms.BulkMoveForm(request.POST, application_ids=[a.pk for a in selection])
    if not form.is_valid():
        errors = "; ".join(error for errors in form.errors.values() for error in errors)
        return done(request, board, f"Nothing moved: {errors}", messages.ERROR)
    data = form.cleaned_data
    moved, refused = 0, []
    for application in selection:
        try:
            services.application_move(
                application=application,
                to_stage=data["to_stage"],
                by=request.user,
                note=data["note"],
                notify=not data["dont_notify"],
            )
            moved += 1
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            refused.append(f"{application.candidate}: {reason}")
    if refused:
        return done(request, board, f"Moved {moved}. Not moved: " + " ".join(refused), messages.WARNING)
    return done(request, board, f"Moved {moved} to {Stage(data['to_stage']).label}.")


@login_required
@require_http_methods(["GET", "POST"])
def job_close(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.select_related("client"), pk=pk)
    if not can_act_on(request.user, job.owner_id):
        raise PermissionDenied("Only the job's owner, their team lead or an admin can close it.")
    live = job.applications.filter(stage__in=ACTIVE_STAGES).count()
    if request.method == "POST":
        form = forms.JobCloseForm(request.POST)
        if form.is_valid():
            close_id = uuid.uuid4().hex
            ok, _ = call_service(
                form,
                lambda: job_services.job_close_start(
                    job=job,
                    by=request.user,
                    outcome=form.cleaned_data["outcome"],
                    notify=not form.cleaned_data["dont_notify"],
                    close_id=close_id,
                ),
            )
            if ok:
                return HttpResponseRedirect(reverse("job_close_progress", args=[job.pk, close_id]))
    else:
        form = forms.JobCloseForm()
    return form_page(request, "workspace/job_close.html", {"form": form, "job": job, "live": live})


# job_close makes uuid4().hex ids; anything longer or stranger names no closing.
CLOSE_ID = re.compile(r"[0-9A-Za-z]{1,64}")


@login_required
@require_GET
def job_close_progress(request: HttpRequest, pk: int, close_id: str) -> HttpResponse:
    """The closing's progress, polled by htmx every second until it is finished."""
    job = get_object_or_404(Job.objects.select_related("client"), pk=pk)
    if not CLOSE_ID.fullmatch(close_id):
        raise Http404("No such closing.")
    progress = job_services.job_close_progress(job=job, close_id=close_id)
    if progress is None:
        raise Http404("No such closing.")
    template = "workspace/_job_close_status.html" if is_htmx(request) else "workspace/job_close_progress.html"
    return render(request, template, {"job": job, "progress": progress, "close_id": close_id})
