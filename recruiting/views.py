"""The recruiter workspace: thin views over the services and selectors.

Views read through selectors and write through services. A service's PermissionDenied becomes the 403
page (Django's handler), its ValidationError becomes errors on the form that was sent.
"""

import copy
import csv
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from candidates.models import Candidate
from candidates.services import candidate_set_preferences, data_rights
from candidates.services.imports import candidates_import_csv
from notifications import rendering
from notifications import selectors as notification_selectors
from notifications.models import MessageTemplate, OutboundMessage, RecruiterPrompt
from notifications.services import outbox as outbox_services
from notifications.services import prompts as prompt_services
from notifications.services import templates as template_services

from . import forms, job_services, policy, selectors, services
from . import workspace_selectors as ws
from .models import ACTIVE_STAGES, Application, ContactEvent, Job, Role, Stage
from .permissions import can_act_on, ensure_admin, role_of, team_member_ids

PAGE_SIZE = 25


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# --- small helpers -------------------------------------------------------------------------------


@dataclass
class Page:
    """One page of a list, read with a single query (one row more than shown tells whether more follow)."""

    items: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def page_of(queryset: QuerySet, request: HttpRequest, param: str = "page", size: int = PAGE_SIZE) -> Page:
    try:
        number = max(1, int(request.GET.get(param, 1)))
    except ValueError:
        number = 1
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(items=rows[:size], number=number, has_next=len(rows) > size)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


def _done(
    request: HttpRequest, default: str, text: str, level: int = messages.SUCCESS, *, in_place: bool = False
) -> HttpResponse:
    """After an action: a message, then back where the recruiter was.

    htmx requests get a full redirect (HX-Redirect), or, for the one-click actions of a list (`in_place`),
    the outcome in place of the buttons.
    """
    if in_place and is_htmx(request):
        return render(
            request, "recruiting/_action_result.html", {"text": text, "level": messages.DEFAULT_TAGS.get(level)}
        )
    messages.add_message(request, level, text)
    target = _safe_next(request, default)
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": target})
    return HttpResponseRedirect(target)


def _form_page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """A form page: inside the shared modal for htmx requests, as a whole page otherwise."""
    context = {"base_template": "recruiting/_modal.html" if is_htmx(request) else "base.html", **context}
    return render(request, template, context, status=status)


def _call(form, action: Callable[[], Any]) -> tuple[bool, Any]:
    """Run a service; a ValidationError lands on the form. PermissionDenied propagates (403 page)."""
    try:
        return True, action()
    except ValidationError as error:
        forms.apply_validation_error(form, error)
        return False, None


def _why_overdue(application: Application, policies: dict[str, policy.SilencePolicy], now: datetime) -> str:
    silent = policy.days_silent(last_informed_at=application.last_informed_at or application.created_at, now=now)
    stage = Stage(application.stage).label
    if application.promised_next_step_date is not None:
        return f"You promised news after {application.promised_next_step_date:%A %d %B}; nothing has gone out since."
    if silent >= policy.SILENCE_CEILING.days:
        return "Two weeks without news is the limit for every candidate."
    limit = policies.get(application.stage)
    since = "they applied" if application.last_informed_at is None else "their last update"
    if limit is None:
        return f"No news for {silent} days since {since}."
    return (
        f"{silent} days without news since {since}, in {stage}; "
        f"the limit there is {limit.max_silent_business_days} business days."
    )


# --- error pages ---------------------------------------------------------------------------------


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else "You are not allowed to do this."
    return render(request, "recruiting/403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "recruiting/404.html", {}, status=404)


# --- home: who needs an update -------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    user = request.user
    mine = {user.pk}
    policies = selectors.stage_policies()
    overdue = page_of(ws.applications_overdue_for(owner_ids=mine, now=now), request, "overdue_page")
    prompts = ws.open_overdue_prompts(application_ids=[application.pk for application in overdue])
    for application in overdue:
        application.why = _why_overdue(application, policies, now)
        application.prompt = prompts.get(application.pk)
        application.snoozed = bool(
            application.prompt and application.prompt.snoozed_until and application.prompt.snoozed_until > now
        )
    context: dict[str, Any] = {
        "overdue": overdue,
        "due_today": page_of(ws.applications_due_today_for(owner_ids=mine, now=now), request, "today_page"),
        "owed": page_of(ws.prompts_owed_for(recruiter_ids=mine, now=now), request, "owed_page"),
        "trouble": page_of(ws.messages_in_trouble_for(owner_ids=mine), request, "trouble_page"),
        "is_lead": role_of(user) == Role.TEAM_LEAD,
    }
    if context["is_lead"]:
        team = team_member_ids(user) - mine
        context["team_counts"] = list(ws.team_overdue_counts(owner_ids=team, now=now)[:100])
        context["escalations"] = page_of(
            notification_selectors.prompts_escalated_to(user=user, now=now), request, "escalations_page"
        )
    return render(request, "recruiting/home.html", context)


@login_required
@require_POST
def application_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: queue the "still in process" check-in through the outbox (with its hold window)."""
    application = get_object_or_404(Application, pk=pk)
    result = prompt_services.prompts_send_check_in(applications=[application], by=request.user)
    if result.skipped:
        why = result.skipped[0][1]
        text = f"No check-in queued for {application.candidate}: {why}"
        return _done(request, reverse("home"), text, messages.WARNING, in_place=True)
    return _done(
        request,
        reverse("home"),
        f"A check-in to {application.candidate} is in the outbox; you can still read or cancel it there.",
        in_place=True,
    )


@login_required
@require_POST
def applications_check_in(request: HttpRequest) -> HttpResponse:
    """The check-in for every ticked application at once (refused whole if one is not the user's to act on)."""
    ids = [int(value) for value in request.POST.getlist("applications") if value.isdigit()]
    selection = list(Application.objects.filter(pk__in=ids).select_related("candidate"))
    if not selection:
        return _done(request, reverse("home"), "Tick at least one candidate first.", messages.ERROR)
    result = prompt_services.prompts_send_check_in(applications=selection, by=request.user)
    text = f"{len(result.queued)} check-in{'s' if len(result.queued) != 1 else ''} in the outbox."
    if result.skipped:
        text += " Not queued: " + " ".join(f"{application.candidate}: {why}" for application, why in result.skipped)
    return _done(request, reverse("home"), text, messages.WARNING if result.skipped else messages.SUCCESS)


@login_required
@require_POST
def application_log_call(request: HttpRequest, pk: int) -> HttpResponse:
    """One click from the home page: "I called them" resets the clock and settles the prompt."""
    application = get_object_or_404(Application.objects.select_related("candidate"), pk=pk)
    form = forms.QuickCallForm(request.POST)
    if not form.is_valid():
        return _done(request, reverse("home"), "The call could not be logged.", messages.ERROR, in_place=True)
    ok, _ = _call(
        form,
        lambda: services.contact_log(
            application=application,
            channel=ContactEvent.Channel.PHONE,
            direction=ContactEvent.Direction.OUTBOUND,
            by=request.user,
            summary=form.cleaned_data["summary"],
        ),
    )
    if not ok:
        return _done(request, reverse("home"), " ".join(form.non_field_errors()), messages.ERROR, in_place=True)
    return _done(
        request, reverse("home"), f"Call with {application.candidate} logged; their clock starts again.", in_place=True
    )


@login_required
@require_http_methods(["GET", "POST"])
def prompt_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    prompt = get_object_or_404(RecruiterPrompt.objects.select_related("application__candidate"), pk=pk)
    if not can_act_on(request.user, prompt.recruiter_id):
        raise PermissionDenied("Only the recruiter it is for, their team lead or an admin can snooze this.")
    if request.method == "POST":
        form = forms.SnoozeForm(request.POST)
        if form.is_valid():
            ok, _ = _call(
                form,
                lambda: prompt_services.prompt_snooze(
                    prompt=prompt, until=form.cleaned_data["until"], reason=form.cleaned_data["reason"], by=request.user
                ),
            )
            if ok:
                return _done(request, reverse("home"), f"Snoozed until {form.cleaned_data['until']:%A %d %B}.")
    else:
        form = forms.SnoozeForm()
    return _form_page(request, "recruiting/prompt_snooze.html", {"form": form, "prompt": prompt})


# --- jobs and the board --------------------------------------------------------------------------


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    jobs = ws.jobs_with_counts()
    if query.strip():
        jobs = jobs.filter(pk__in=ws.jobs_search(query=query).values("pk"))
    return render(request, "recruiting/job_list.html", {"jobs": page_of(jobs, request), "query": query})


@login_required
@require_GET
def job_board(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.select_related("client", "owner"), pk=pk)
    columns = ws.job_board(job=job)
    movable = {application.pk for application in _actable(request.user, [a for c in columns for a in c.cards])}
    for column in columns:
        for application in column.cards:
            application.movable = application.pk in movable
    return render(
        request,
        "recruiting/job_board.html",
        {
            "job": job,
            "columns": columns,
            "live": sum(column.total for column in columns if column.stage in ACTIVE_STAGES),
            "bulk_stages": Stage.choices,
            "can_manage": can_act_on(request.user, job.owner_id),
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
    movable = {application.pk for application in _actable(request.user, applications.items)}
    for application in applications:
        application.movable = application.pk in movable
    return render(request, "recruiting/job_stage.html", {"job": job, "stage": stage, "applications": applications})


def _after_move(application: Application, to_stage: str, next_step_date: date | None) -> Application:
    """An unsaved copy of the application as the move would leave it, so that the preview's dates are right."""
    moved = copy.copy(application)
    moved.stage = to_stage
    moved.promised_next_step_date = next_step_date
    moved.next_update_due = None
    policies = selectors.stage_policies()
    if to_stage in ACTIVE_STAGES and not application.candidate.do_not_contact:
        moved.next_update_due = policy.next_update_due(
            last_informed_at=application.last_informed_at or application.created_at,
            policy=policies[to_stage],
            tz=selectors.firm_time_zone(),
            promised_date=next_step_date,
            holidays=selectors.firm_holidays(),
        )
    return moved


def _move_preview(application: Application, to_stage: str, next_step_date: date | None = None) -> tuple:
    """The email a move would queue: (template code or None, rendered message, a note for the recruiter)."""
    code, note = outbox_services.stage_template_code(application=application, to_stage=to_stage)
    if code is None:
        return None, None, note
    moved = _after_move(application, to_stage, next_step_date)
    return code, template_services.template_preview(application=moved, template_code=code), note


def _date_or_none(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def application_move(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application.objects.select_related("candidate", "job__client", "owner"), pk=pk)
    if not can_act_on(request.user, application.owner_id):
        raise PermissionDenied("Only the owner, their team lead or an admin can move this application.")
    board = reverse("job_board", args=[application.job_id])
    if request.method == "POST":
        form = forms.MoveForm(request.POST, application=application)
        if form.is_valid():
            data = form.cleaned_data
            ok, _ = _call(
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
                return _done(request, board, f"{application.candidate} moved to {Stage(data['to_stage']).label}.")
    else:
        form = forms.MoveForm(application=application, initial={"to_stage": request.GET.get("to_stage")})
    to_stage = (
        form.data.get("to_stage") or form.initial.get("to_stage") or (form.fields["to_stage"].choices or [[None]])[0][0]
    )
    promised = _date_or_none(form.data.get("next_step_date"))
    preview = _move_preview(application, to_stage, promised) if to_stage in Stage.values else (None, None, "")
    return _form_page(
        request,
        "recruiting/application_move.html",
        {"form": form, "application": application, "preview": preview, "to_stage": to_stage, "board_url": board},
    )


@login_required
@require_GET
def application_move_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The email preview inside the move form, refreshed by htmx when the target stage changes."""
    application = get_object_or_404(Application.objects.select_related("candidate", "job__client", "owner"), pk=pk)
    if not can_act_on(request.user, application.owner_id):
        raise PermissionDenied("Only the owner, their team lead or an admin can move this application.")
    to_stage = request.GET.get("to_stage", "")
    if to_stage not in Stage.values:
        raise Http404("No such stage.")
    return render(
        request,
        "recruiting/_move_preview.html",
        {
            "preview": _move_preview(application, to_stage, _date_or_none(request.GET.get("next_step_date"))),
            "dont_notify": bool(request.GET.get("dont_notify")),
        },
    )


@login_required
@require_POST
def job_bulk_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the ticked cards, each through application_move: what one may not move is reported, not hidden."""
    job = get_object_or_404(Job, pk=pk)
    board = reverse("job_board", args=[job.pk])
    ids = [int(value) for value in request.POST.getlist("applications") if value.isdigit()]
    selection = list(Application.objects.filter(job=job, pk__in=ids).select_related("candidate"))
    form = forms.BulkMoveForm(request.POST, application_ids=[a.pk for a in selection])
    if not form.is_valid():
        errors = "; ".join(error for errors in form.errors.values() for error in errors)
        return _done(request, board, f"Nothing moved: {errors}", messages.ERROR)
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
        return _done(request, board, f"Moved {moved}. Not moved: " + " ".join(refused), messages.WARNING)
    return _done(request, board, f"Moved {moved} to {Stage(data['to_stage']).label}.")


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
            ok, _ = _call(
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
    return _form_page(request, "recruiting/job_close.html", {"form": form, "job": job, "live": live})


@login_required
@require_GET
def job_close_progress(request: HttpRequest, pk: int, close_id: str) -> HttpResponse:
    """The closing's progress, polled by htmx every second until it is finished."""
    job = get_object_or_404(Job.objects.select_related("client"), pk=pk)
    progress = job_services.job_close_progress(job=job, close_id=close_id)
    template = "recruiting/_job_close_status.html" if is_htmx(request) else "recruiting/job_close_progress.html"
    return render(request, template, {"job": job, "progress": progress, "close_id": close_id})


# --- candidates ----------------------------------------------------------------------------------


@login_required
@require_GET
def candidate_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    candidates = page_of(ws.candidates_search(query=query), request)
    return render(request, "recruiting/candidate_list.html", {"candidates": candidates, "query": query})


TIMELINE_PAGE = 50


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # stage, contact or message
    item: Any


def _candidate_timeline(candidate: Candidate, request: HttpRequest) -> Page:
    """Stage changes, logged contacts and outbox messages (with delivery state), newest first.

    A sent message also exists as a contact (it reset the clock): it is shown once, as the message.
    """
    try:
        number = max(1, int(request.GET.get("timeline_page", 1)))
    except ValueError:
        number = 1
    enough = number * TIMELINE_PAGE + 1
    entries = [
        TimelineItem(at=entry.at, kind=entry.kind, item=entry.item)
        for entry in selectors.application_timeline(candidate_id=candidate.pk, limit=enough, sent_messages=False)
    ]
    entries += [
        TimelineItem(at=message.sent_at or message.created_at, kind="message", item=message)
        for message in ws.candidate_messages(candidate=candidate, limit=enough)
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    start = (number - 1) * TIMELINE_PAGE
    return Page(
        items=entries[start : start + TIMELINE_PAGE], number=number, has_next=len(entries) > start + TIMELINE_PAGE
    )


def _actable(user, applications: list[Application]) -> list[Application]:
    """The applications the user may act on, with at most one query (a team lead's team)."""
    role = role_of(user)
    if role == Role.ADMIN:
        return applications
    owners = team_member_ids(user) if role == Role.TEAM_LEAD else {user.pk}
    return [application for application in applications if application.owner_id in owners]


def _candidate_context(request: HttpRequest, candidate: Candidate, **forms_given) -> dict[str, Any]:
    applications = list(ws.candidate_applications(candidate=candidate))
    actable = _actable(request.user, applications)
    return {
        "candidate": candidate,
        "applications": applications,
        "actable_applications": actable,
        "timeline": _candidate_timeline(candidate, request),
        "can_act": can_act_on(request.user, candidate.owner_id),
        "is_admin": role_of(request.user) == Role.ADMIN,
        "erase_confirmation": data_rights.ERASE_CONFIRMATION,
        "preferences_form": forms_given.get("preferences_form")
        or forms.PreferencesForm(
            initial={
                "automated_updates_paused": candidate.automated_updates_paused,
                "do_not_contact": candidate.do_not_contact,
                "reason": candidate.do_not_contact_reason,
            }
        ),
        "contact_form": forms_given.get("contact_form") or forms.ContactLogForm(applications=actable),
        "email_form": forms_given.get("email_form")
        or forms.PersonalEmailForm(
            applications=actable,
            initial={
                "body": template_services.personal_body_start(
                    candidate_first_name=candidate.first_name, sender=request.user
                )
            },
        ),
    }


def _candidate_or_404(pk: int) -> Candidate:
    return get_object_or_404(Candidate.objects.select_related("owner"), pk=pk, erased_at__isnull=True)


@login_required
@require_GET
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_or_404(pk)
    return render(request, "recruiting/candidate_detail.html", _candidate_context(request, candidate))


@login_required
@require_GET
def candidate_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held on the candidate, as a JSON download (their data-access request). Admins only."""
    candidate = _candidate_or_404(pk)
    ensure_admin(request.user, "export a candidate's data")
    data = data_rights.candidate_export(candidate=candidate, by=request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="candidate-{candidate.pk}.json"'
    return response


@login_required
@require_POST
def candidate_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Erase the candidate's personal data, once the admin typed the confirmation word."""
    candidate = _candidate_or_404(pk)
    ensure_admin(request.user, "erase a candidate's data")
    if request.POST.get("confirm", "").strip() != data_rights.ERASE_CONFIRMATION:
        return _done(
            request,
            reverse("candidate_detail", args=[pk]),
            f"Nothing erased: type {data_rights.ERASE_CONFIRMATION} in the box to confirm.",
            messages.WARNING,
        )
    data_rights.candidate_erase(candidate=candidate, by=request.user)
    return _done(request, reverse("candidate_list"), f"Candidate #{pk}'s personal data has been erased.")


@login_required
@require_POST
def candidate_preferences(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_or_404(pk)
    form = forms.PreferencesForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ok, _ = _call(
            form,
            lambda: candidate_set_preferences(
                candidate=candidate,
                by=request.user,
                automated_updates_paused=data["automated_updates_paused"],
                do_not_contact=data["do_not_contact"],
                reason=data["reason"],
            ),
        )
        if ok:
            return _done(request, reverse("candidate_detail", args=[pk]), "Preferences saved.")
    context = _candidate_context(request, candidate, preferences_form=form)
    return render(request, "recruiting/candidate_detail.html", context, status=400)


def _candidate_application(candidate: Candidate, application_id: int) -> Application:
    return get_object_or_404(Application.objects.select_related("candidate"), pk=application_id, candidate=candidate)


@login_required
@require_POST
def candidate_contact_log(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_or_404(pk)
    form = forms.ContactLogForm(request.POST, applications=ws.candidate_applications(candidate=candidate))
    if form.is_valid():
        data = form.cleaned_data
        application = _candidate_application(candidate, data["application"])
        ok, _ = _call(
            form,
            lambda: services.contact_log(
                application=application,
                channel=data["channel"],
                direction=data["direction"],
                by=request.user,
                summary=data["summary"],
            ),
        )
        if ok:
            return _done(request, reverse("candidate_detail", args=[pk]), "Contact logged.")
    context = _candidate_context(request, candidate, contact_form=form)
    return render(request, "recruiting/candidate_detail.html", context, status=400)


@login_required
@require_POST
def candidate_email(request: HttpRequest, pk: int) -> HttpResponse:
    """A personal email, written by the recruiter, sent through the outbox (suppression and log included)."""
    candidate = _candidate_or_404(pk)
    form = forms.PersonalEmailForm(request.POST, applications=ws.candidate_applications(candidate=candidate))
    if form.is_valid():
        data = form.cleaned_data
        application = _candidate_application(candidate, data["application"])
        ok, message = _call(
            form,
            lambda: outbox_services.message_personal_queue(
                application=application,
                subject=data["subject"],
                body=data["body"],
                by=request.user,
                idempotency_key=f"personal:{application.pk}:{data['send_token']}",
            ),
        )
        if ok:
            text = (
                f"Your email is in the outbox ({message.get_status_display().lower()})."
                if message is not None
                else "Your email is in the outbox."
            )
            return _done(request, reverse("candidate_detail", args=[pk]), text)
    context = _candidate_context(request, candidate, email_form=form)
    return render(request, "recruiting/candidate_detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def candidate_import(request: HttpRequest) -> HttpResponse:
    """CSV import: good rows are imported, each bad row is listed with its line and why."""
    report = None
    if request.method == "POST":
        form = forms.CandidateImportForm(request.POST, request.FILES)
        if form.is_valid():
            _, report = _call(form, lambda: candidates_import_csv(file=form.cleaned_data["file"], by=request.user))
    else:
        form = forms.CandidateImportForm()
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "recruiting/candidate_import.html", {"form": form, "report": report}, status=status)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    context = {"search_query": query, "query": query}
    if query.strip():
        context["candidates"] = page_of(ws.candidates_search(query=query), request, "candidates_page")
        context["jobs"] = page_of(ws.jobs_search(query=query), request, "jobs_page")
    return render(request, "recruiting/search.html", context)


# --- the outbox ----------------------------------------------------------------------------------


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status is not None and status not in OutboundMessage.Status.values:
        raise Http404("No such status.")
    return render(
        request,
        "notifications/workspace/outbox.html",
        {
            "messages_page": page_of(ws.outbox_messages(status=status), request),
            "status": status,
            "counts": ws.outbox_counts(),
            "statuses": OutboundMessage.Status.choices,
        },
    )


def _message_or_404(pk: int) -> OutboundMessage:
    return get_object_or_404(
        OutboundMessage.objects.select_related("candidate", "application__job__client", "application__owner"),
        pk=pk,
        candidate__isnull=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_or_404(pk)
    form = forms.MessageEditForm(
        request.POST or None, initial={"subject": message.subject, "body_text": message.body_text}
    )
    if request.method == "POST" and form.is_valid():
        ok, _ = _call(
            form,
            lambda: outbox_services.message_edit(
                message=message,
                subject=form.cleaned_data["subject"],
                body_text=form.cleaned_data["body_text"],
                by=request.user,
            ),
        )
        if ok:
            return _done(request, reverse("outbox_message", args=[pk]), "Message saved.")
    owner_id = message.application.owner_id if message.application_id else message.candidate.owner_id
    return render(
        request,
        "notifications/workspace/outbox_message.html",
        {
            "message": message,
            "form": form,
            "attempts": list(message.attempt_log.all()[:50]),
            "can_act": can_act_on(request.user, owner_id),
            "editable": message.status in (OutboundMessage.Status.HELD, OutboundMessage.Status.QUEUED),
        },
        status=400 if request.method == "POST" else 200,
    )


def _outbox_action(service: Callable[..., OutboundMessage], done_text: str):
    """A POST-only view that applies one of the outbox's message services and goes back to the message."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        message = _message_or_404(pk)
        back = reverse("outbox_message", args=[pk])
        try:
            service(message=message, by=request.user)
        except ValidationError as error:
            return _done(request, back, " ".join(error.messages), messages.ERROR)
        return _done(request, back, done_text)

    view.__name__ = service.__name__
    return view


outbox_send_now = _outbox_action(outbox_services.message_send_now, "Released: the message goes out now.")
outbox_cancel = _outbox_action(outbox_services.message_cancel, "Cancelled: this message will not be sent.")
outbox_retry = _outbox_action(outbox_services.message_retry, "Queued again: it will be sent shortly.")


# --- message templates ---------------------------------------------------------------------------


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    templates = page_of(MessageTemplate.objects.select_related("updated_by").order_by("code"), request, size=50)
    return render(request, "notifications/workspace/template_list.html", {"templates": templates})


def _preview_application(request: HttpRequest) -> Application | None:
    """The real application a preview is rendered with: the one asked for, else the user's latest.

    Only applications the user may act on: a preview carries the candidate's own signed links.
    """
    applications = Application.objects.select_related("candidate", "job__client", "owner").order_by("-created_at")
    if role_of(request.user) != Role.ADMIN:
        applications = applications.filter(owner_id__in=team_member_ids(request.user))
    wanted = request.POST.get("application") or request.GET.get("application")
    if wanted and wanted.isdigit():
        return applications.filter(pk=int(wanted)).first()
    return applications.filter(owner=request.user).first() or applications.first()


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, code: str) -> HttpResponse:
    template = get_object_or_404(MessageTemplate, code=code)
    form = forms.TemplateEditForm(
        request.POST or None,
        initial={"subject": template.subject, "body_text": template.body_text},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _ = _call(
            form,
            lambda: template_services.template_update(
                template=template,
                subject=data["subject"],
                body_text=data["body_text"],
                by=request.user,
            ),
        )
        if ok:
            return _done(request, reverse("template_edit", args=[code]), "Template saved.")
    application = _preview_application(request)
    preview, problems = _template_preview(template, application, form.data or form.initial)
    return render(
        request,
        "notifications/workspace/template_edit.html",
        {
            "template": template,
            "form": form,
            "fields": rendering.fields_for_code(code),
            "application": application,
            "preview": preview,
            "problems": problems,
        },
        status=400 if request.method == "POST" else 200,
    )


def _template_preview(template: MessageTemplate, application: Application | None, data) -> tuple[Any, list[str]]:
    if application is None or template.code == MessageTemplate.Code.DIGEST:
        return None, []
    try:
        preview = template_services.template_preview(
            application=application,
            template_code=template.code,
            subject=data.get("subject", ""),
            body_text=data.get("body_text", ""),
        )
    except ValidationError as error:
        return None, error.messages
    return preview, []


@login_required
@require_POST
def template_reset(request: HttpRequest, code: str) -> HttpResponse:
    """Put back the text we ship for this template."""
    template = get_object_or_404(MessageTemplate, code=code)
    template_services.template_reset(template=template, by=request.user)
    return _done(request, reverse("template_edit", args=[code]), "Our original text is back.")


@login_required
@require_POST
def template_preview(request: HttpRequest, code: str) -> HttpResponse:
    """Live preview while a template is edited (htmx): the unsaved text rendered with a real application."""
    template = get_object_or_404(MessageTemplate, code=code)
    application = _preview_application(request)
    preview, problems = _template_preview(template, application, request.POST)
    return render(
        request,
        "notifications/workspace/_template_preview.html",
        {"preview": preview, "problems": problems, "application": application, "template": template},
    )


# --- figures -------------------------------------------------------------------------------------


FIGURE_COLUMNS = (
    "name",
    "active",
    "within_policy",
    "within_policy_percent",
    "overdue",
    "median_days_silent",
    "p90_days_silent",
    "oldest_days_silent",
    "open_prompts",
)


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    return render(request, "recruiting/figures.html", {"figures": notification_selectors.loop_figures()})


def _csv_cell(value) -> object:
    """Text that a spreadsheet would read as a formula is quoted (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@login_required
@require_GET
def figures_csv(request: HttpRequest) -> HttpResponse:
    data = notification_selectors.loop_figures()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="keep-in-the-loop-figures.csv"'
    writer = csv.writer(response)
    writer.writerow(["scope", *FIGURE_COLUMNS])
    rows = [("firm", data["firm"])] + [("team", row) for row in data["teams"]]
    rows += [("recruiter", row) for row in data["recruiters"]]
    for scope, row in rows:
        writer.writerow([scope, *(_csv_cell(row[column]) for column in FIGURE_COLUMNS)])
    return response
