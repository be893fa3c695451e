"""The team page: each recruiter with their live and overdue counts, linked to their pipeline list; and
the escalations, with the days each candidate has been silent and what a lead can do about it in place
(take over, give to a colleague, send the check-in, snooze with a reason)."""

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recruiting import selectors, services
from recruiting.models import RecruiterPrompt, Role
from recruiting.permissions import assignable_users, ensure_can_act_on_application, role_of, team_member_ids
from workspace.views.common import call_service_or_refusal, done, form_page, page_of, safe_next

MEMBERS_MAX = 200


def _member_ids(user) -> set[int] | None:
    """Whose rows the team page shows: a lead's team, a recruiter's own team, everyone for an admin."""
    role = role_of(user)
    if role == Role.ADMIN:
        return None
    if role == Role.TEAM_LEAD:
        return team_member_ids(user)
    profile = getattr(user, "profile", None)
    if profile is None or profile.team_id is None:
        return {user.pk}
    return set(profile.team.members.values_list("user_id", flat=True))


def _members(user) -> list:
    """The members with their live and overdue counts, most overdue first (MEMBERS_MAX of them).

    The counts are one grouped read of the live applications' (owner, next update due) index, not a join of
    the people to every application they ever had."""
    people = get_user_model().objects.filter(is_active=True, profile__isnull=False)
    ids = _member_ids(user)
    if ids is not None:
        people = people.filter(pk__in=ids)
    members = list(people.order_by("first_name", "username"))
    counts = selectors.live_counts_by_owner(owner_ids=[member.pk for member in members], now=timezone.now())
    for member in members:
        member.live, member.overdue = counts.get(member.pk, (0, 0))
    # Stable: equal overdue counts keep the order of their names.
    return sorted(members, key=lambda member: -member.overdue)[:MEMBERS_MAX]


@login_required
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    escalations = page_of(selectors.prompts_escalated_to(user=request.user), request, "escalations_page")
    # Taking over makes the user the owner: only someone who may own applications (not an admin who is
    # not a recruiter), and only for a row that is not theirs already.
    context = {
        "members": _members(request.user),
        "escalations": escalations,
        "may_take_over": assignable_users(request.user).filter(pk=request.user.pk).exists(),
    }
    return render(request, "workspace/team.html", context)


def _prompt(pk: int) -> RecruiterPrompt:
    prompt = get_object_or_404(
        RecruiterPrompt.objects.select_related(
            "application__candidate", "application__owner", "application__job__client", "application__job__owner"
        ),
        pk=pk,
    )
    return prompt


@login_required
@require_POST
def prompt_take_over(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead takes the candidate over: the application (and its open prompts) becomes theirs."""
    prompt = _prompt(pk)
    application = prompt.application
    ensure_can_act_on_application(request.user, application)
    if application.owner_id == request.user.pk:
        return done(request, reverse("team"), f"{application.candidate} is already yours.", in_place=True)
    try:
        services.application_reassign(application=application, owner=request.user, by=request.user)
    except PermissionDenied as refusal:
        return done(request, reverse("team"), str(refusal), messages.ERROR, in_place=True)
    return done(
        request,
        reverse("team"),
        f"{application.candidate} is yours now; the reminder moved with them.",
        in_place=True,
    )


class ReassignForm(django_forms.Form):
    """Whom to give the application to: the people the user may give it to (permissions.assignable_users),
    its current owner left out."""

    owner = django_forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), label="Give to", empty_label="Choose a colleague"
    )

    def __init__(self, *args, user, application, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        field.queryset = (
            assignable_users(user).exclude(pk=application.owner_id).order_by("first_name", "last_name", "username")
        )
        field.label_from_instance = lambda person: person.get_full_name() or person.get_username()
        field.error_messages["invalid_choice"] = (
            "Choose one of the colleagues listed: they are the ones you may give it to."
        )


@login_required
@require_http_methods(["GET", "POST"])
def prompt_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    prompt = _prompt(pk)
    application = prompt.application
    ensure_can_act_on_application(request.user, application)
    form = ReassignForm(request.POST if request.method == "POST" else None, user=request.user, application=application)
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner"]
        ok, _ = call_service_or_refusal(
            form, lambda: services.application_reassign(application=application, owner=owner, by=request.user)
        )
        if ok:
            name = owner.get_full_name() or owner.get_username()
            return done(request, reverse("team"), f"{application.candidate} is now {name}'s.", messages.SUCCESS)
    context = {
        "form": form,
        "application": application,
        "title": f"Give {application.candidate} to a colleague",
        "action": reverse("prompt_reassign", args=[pk]),
        "cancel": safe_next(request, reverse("team")),
    }
    return form_page(request, "workspace/prompt_reassign.html", context, status=400 if form.is_bound else 200)
