"""Candidates: the list, the detail page and its forms (preferences, texts, contacts, email), export and erasure,
CSV import, and search."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from candidates.models import Candidate
from candidates.selectors import text_consent_in_force
from candidates.services import data_rights
from candidates.services.people import candidate_set_preferences
from candidates.services.texts import candidate_texts_set
from notifications.models import MessageTemplate
from notifications.services import messages as message_services
from notifications.services import templates as template_services
from recruiting import selectors, services
from recruiting.models import Application, Role
from recruiting.permissions import can_act_on, ensure_admin, role_of
from workspace import forms
from workspace import selectors as ws
from workspace.views.common import (
    Page,
    actable_applications,
    call_service,
    done,
    emails_throttled,
    page_number,
    page_of,
)


@login_required
@require_GET
def candidate_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    candidates = page_of(ws.candidates_search(query=query), request)
    return render(request, "workspace/candidate_list.html", {"candidates": candidates, "query": query})


TIMELINE_PAGE = 50
TIMELINE_MAX_PAGE = 200


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # stage, contact or message
    item: Any


def _candidate_timeline(candidate: Candidate, request: HttpRequest) -> Page:
    """Stage changes, logged contacts and outbox messages (with delivery state), newest first.

    A sent message also exists as a contact (it reset the clock): it is shown once, as the message.
    """
    # Each page reads every entry before it: a far page is capped, as the list would be anyway.
    number = page_number(request, "timeline_page", maximum=TIMELINE_MAX_PAGE)
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
    shown = entries[start : start + TIMELINE_PAGE]
    # A contact that is an email that came back shows who sent it and can be answered from here.
    replies = ws.replies_of_contacts(contact_ids=[entry.item.pk for entry in shown if entry.kind == "contact"])
    for entry in shown:
        if entry.kind == "contact":
            entry.item.reply = replies.get(entry.item.pk)
    return Page(items=shown, number=number, has_next=len(entries) > start + TIMELINE_PAGE)


def _answer_initial(request: HttpRequest, actable: list[Application]) -> dict[str, Any]:
    """The email form set to answer a reply (`?answer=<application id>`): that application, "Re:" its subject."""
    wanted = request.GET.get("answer", "")
    application = next((a for a in actable if wanted.isdigit() and a.pk == int(wanted)), None)
    if application is None:
        return {}
    reply = ws.latest_replies(application_ids=[application.pk]).get(application.pk)
    subject = (reply.subject if reply else "") or str(application.job)
    return {
        "application": application.pk,
        "subject": subject if subject.lower().startswith("re:") else f"Re: {subject}",
        "answering": reply.pk if reply else None,
    }


def _email_initial(request: HttpRequest, candidate: Candidate, actable: list[Application]) -> dict[str, Any]:
    """The personal email form's start: the greeting and signature, or, for "Write feedback" on one of the
    user's applications, the 'Rejection with feedback' template rendered for it (without the footer)."""
    wanted = request.GET.get("write_feedback", "")
    application = next((a for a in actable if str(a.pk) == wanted), None)
    if application is None:
        return {
            "body": template_services.personal_body_start(
                candidate_first_name=candidate.first_name, sender=request.user
            )
        }
    subject, body = message_services.personal_draft_from_template(
        application=application, template_code=MessageTemplate.Code.REJECTION_LATE
    )
    return {"application": application.pk, "subject": subject, "body": body}


def _candidate_context(request: HttpRequest, candidate: Candidate, **forms_given) -> dict[str, Any]:
    applications = list(ws.candidate_applications(candidate=candidate))
    actable = actable_applications(request.user, applications)
    feedback = ws.open_feedback_prompts(application_ids=[application.pk for application in applications])
    for application in applications:
        application.feedback_prompt = feedback.get(application.pk)
        application.actable = application in actable
    return {
        "candidate": candidate,
        "applications": applications,
        "actable_applications": actable,
        "actable_ids": {application.pk for application in actable},
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
        "texts_form": forms_given.get("texts_form")
        or forms.TextsForm(initial={"mobile": str(candidate.mobile or ""), "channel": candidate.channel}),
        "text_consent": text_consent_in_force(candidate=candidate),
        "contact_form": forms_given.get("contact_form") or forms.ContactLogForm(applications=actable),
        "email_form": forms_given.get("email_form")
        or forms.PersonalEmailForm(
            applications=actable,
            initial={**_email_initial(request, candidate, actable), **_answer_initial(request, actable)},
        ),
    }


def _candidate_or_404(pk: int) -> Candidate:
    return get_object_or_404(Candidate.objects.select_related("owner"), pk=pk, erased_at__isnull=True)


@login_required
@require_GET
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_or_404(pk)
    return render(request, "workspace/candidate_detail.html", _candidate_context(request, candidate))


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
        return done(
            request,
            reverse("candidate_detail", args=[pk]),
            f"Nothing erased: type {data_rights.ERASE_CONFIRMATION} in the box to confirm.",
            messages.WARNING,
        )
    data_rights.candidate_erase(candidate=candidate, by=request.user)
    return done(request, reverse("candidate_list"), f"Candidate #{pk}'s personal data has been erased.")


@login_required
@require_POST
def candidate_preferences(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_or_404(pk)
    form = forms.PreferencesForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ok, _ = call_service(
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
            return done(request, reverse("candidate_detail", args=[pk]), "Preferences saved.")
    context = _candidate_context(request, candidate, preferences_form=form)
    return render(request, "workspace/candidate_detail.html", context, status=400)


@login_required
@require_POST
def candidate_texts(request: HttpRequest, pk: int) -> HttpResponse:
    """The mobile number and the channel, with the candidate's consent recorded when texts are turned on."""
    candidate = _candidate_or_404(pk)
    form = forms.TextsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ok, _ = call_service(form, lambda: candidate_texts_set(candidate=candidate, by=request.user, **data))
        if ok:
            return done(request, reverse("candidate_detail", args=[pk]), "Text message settings saved.")
    context = _candidate_context(request, candidate, texts_form=form)
    return render(request, "workspace/candidate_detail.html", context, status=400)


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
        ok, _ = call_service(
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
            return done(request, reverse("candidate_detail", args=[pk]), "Contact logged.")
    context = _candidate_context(request, candidate, contact_form=form)
    return render(request, "workspace/candidate_detail.html", context, status=400)


@login_required
@require_POST
def candidate_email(request: HttpRequest, pk: int) -> HttpResponse:
    """A personal email, written by the recruiter, sent through the outbox (suppression and log included)."""
    candidate = _candidate_or_404(pk)
    form = forms.PersonalEmailForm(request.POST, applications=ws.candidate_applications(candidate=candidate))
    if form.is_valid():
        if throttled := emails_throttled(request):
            return throttled
        data = form.cleaned_data
        application = _candidate_application(candidate, data["application"])
        ok, message = call_service(
            form,
            lambda: message_services.message_personal_queue(
                application=application,
                subject=data["subject"],
                body=data["body"],
                by=request.user,
                idempotency_key=f"personal:{application.pk}:{data['send_token']}",
                answering=ws.reply_answered(reply_id=data["answering"]),
            ),
        )
        if ok:
            text = (
                f"Your email is in the outbox ({message.get_status_display().lower()})."
                if message is not None
                else "Your email is in the outbox."
            )
            return done(request, reverse("candidate_detail", args=[pk]), text)
    context = _candidate_context(request, candidate, email_form=form)
    return render(request, "workspace/candidate_detail.html", context, status=400)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    context = {"query": query}
    if query.strip():
        context["candidates"] = page_of(ws.candidates_search(query=query), request, "candidates_page")
        context["jobs"] = page_of(ws.jobs_search(query=query), request, "jobs_page")
    return render(request, "workspace/search.html", context)
