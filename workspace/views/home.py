"""The home page (who needs an update) and its one-click actions: check-ins, a logged call, a snooze."""

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications.services import messages as message_services
from recruiting import calendar, policy, selectors, services
from recruiting.models import Application, ContactEvent, RecruiterPrompt, Role, Stage
from recruiting.permissions import can_act_on, role_of, team_member_ids
from recruiting.services import prompts as prompt_services
from workspace import forms
from workspace import selectors as ws
from workspace.views import integrations
from workspace.views.common import call_service, done, emails_throttled, form_page, ids_from, page_of


def _why_overdue(application: Application, policies: dict[str, policy.SilencePolicy], now: datetime) -> str:
    silent = policy.days_silent(last_informed_at=application.last_informed_at or application.created_at, now=now)
    stage = Stage(application.stage).label
    if application.promised_next_step_date is not None:
        promised = calendar.day_words(application.promised_next_step_date)
        return f"You promised news after {promised}; nothing has gone out since."
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


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    user = request.user
    mine = {user.pk}
    policies = selectors.stage_policies()
    overdue = page_of(ws.applications_overdue_for(owner_ids=mine, now=now), request, "overdue_page")
    prompts = ws.open_overdue_prompts(application_ids=[application.pk for application in overdue])
    waiting = ws.waiting_messages(application_ids=[application.pk for application in overdue])
    for application in overdue:
        application.waiting = waiting.get(application.pk)
        application.why = _why_overdue(application, policies, now)
        application.prompt = prompts.get(application.pk)
        application.prompt_pk = application.prompt.pk if application.prompt else None
        application.snoozed = bool(
            application.prompt and application.prompt.snoozed_until and application.prompt.snoozed_until > now
        )
    owed = page_of(ws.prompts_owed_for(recruiter_ids=mine, now=now), request, "owed_page")
    replied = [prompt.application_id for prompt in owed if prompt.reason == RecruiterPrompt.Reason.REPLY_OWED]
    replies, texts = ws.latest_replies(application_ids=replied), ws.latest_text_replies(application_ids=replied)
    for prompt in owed:
        # The newest reply, an email or a text.
        prompt.reply, prompt.text_reply = replies.get(prompt.application_id), texts.get(prompt.application_id)
        if prompt.reply and prompt.text_reply and prompt.reply.received_at > prompt.text_reply.received_at:
            prompt.text_reply = None
    put_forward = page_of(ws.applications_put_forward_to(job_owner_ids=mine), request, "put_forward_page")
    put_forward.items = ws.applications_in_order(ids=put_forward.items)
    context: dict[str, Any] = {
        "overdue": overdue,
        "due_today": page_of(ws.applications_due_today_for(owner_ids=mine, now=now), request, "today_page"),
        "owed": owed,
        "trouble": page_of(ws.messages_in_trouble_for(owner_ids=mine), request, "trouble_page"),
        "put_forward": put_forward,
        "is_lead": role_of(user) == Role.TEAM_LEAD,
        "switched_off": integrations.switched_off_webhooks(user),
    }
    if context["is_lead"]:
        team = team_member_ids(user) - mine
        context["team_counts"] = list(ws.team_overdue_counts(owner_ids=team, now=now)[:100])
        # The "well done" line above the team's figures is true only when the team has nothing overdue either.
        context["team_overdue"] = sum(row["overdue"] for row in context["team_counts"])
        context["escalations"] = page_of(
            selectors.prompts_escalated_to(user=user, now=now).exclude(ws.OF_CLOSED_APPLICATION),
            request,
            "escalations_page",
        )
    elif role_of(user) == Role.ADMIN:
        # An admin owns few candidates, if any: "well done" is for a firm with nothing overdue.
        context["firm_overdue"] = ws.firm_overdue_count(now=now)
    return render(request, "workspace/home.html", context)


@login_required
@require_POST
def application_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: queue the "still in process" check-in through the outbox (with its hold window)."""
    application = get_object_or_404(Application, pk=pk)
    if throttled := emails_throttled(request, in_place=True):
        return throttled
    result = message_services.check_ins_queue(applications=[application], by=request.user)
    if result.skipped:
        why = result.skipped[0][1]
        text = f"No check-in queued for {application.candidate}: {why}"
        if application.pk in result.suppressed_ids:
            # A row was written: say so, or the outbox's "suppressed" line would look like a mistake.
            text = f"Check-in to {application.candidate} suppressed, not sent: {why} It is listed in the outbox."
        return done(request, reverse("home"), text, messages.WARNING, in_place=True)
    text = f"A check-in to {application.candidate} is in the outbox; you can still read or cancel it there."
    if application.pk in result.next_day_ids:
        text = (
            f"A check-in to {application.candidate} is in the outbox. They already had an email from us today "
            "and get one a day at most, so it goes on their next day; you can still read or cancel it there."
        )
    return done(request, reverse("home"), text, in_place=True)


@login_required
@require_POST
def applications_check_in(request: HttpRequest) -> HttpResponse:
    """The check-in for every ticked application at once (refused whole if one is not the user's to act on)."""
    ids = ids_from(request.POST.getlist("applications"))
    selection = list(Application.objects.filter(pk__in=ids).select_related("candidate"))
    if not selection:
        return done(request, reverse("home"), "Tick at least one candidate first.", messages.ERROR)
    if throttled := emails_throttled(request):
        return throttled
    result = message_services.check_ins_queue(applications=selection, by=request.user)
    text = f"{len(result.queued)} check-in{'s' if len(result.queued) != 1 else ''} in the outbox."
    if result.next_day_ids:
        text += (
            f" {len(result.next_day_ids)} of them go on the candidate's next day: they already had an email "
            "from us today (one a day at most)."
        )
    if result.skipped:
        text += " Not queued: " + " ".join(f"{application.candidate}: {why}" for application, why in result.skipped)
    return done(request, reverse("home"), text, messages.WARNING if result.skipped else messages.SUCCESS)


@login_required
@require_POST
def application_log_call(request: HttpRequest, pk: int) -> HttpResponse:
    """One click from the home page: "I called them" resets the clock and settles the prompt."""
    application = get_object_or_404(Application.objects.select_related("candidate"), pk=pk)
    form = forms.QuickCallForm(request.POST)
    if not form.is_valid():
        return done(request, reverse("home"), "The call could not be logged.", messages.ERROR, in_place=True)
    ok, _ = call_service(
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
        return done(request, reverse("home"), " ".join(form.non_field_errors()), messages.ERROR, in_place=True)
    return done(
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
            ok, _ = call_service(
                form,
                lambda: prompt_services.prompt_snooze(
                    prompt=prompt, until=form.cleaned_data["until"], reason=form.cleaned_data["reason"], by=request.user
                ),
            )
            if ok:
                return done(
                    request, reverse("home"), f"Snoozed until {calendar.day_words(form.cleaned_data['until'])}."
                )
    else:
        form = forms.SnoozeForm()
    return form_page(request, "workspace/prompt_snooze.html", {"form": form, "prompt": prompt})
