"""The team page: each recruiter with their live and overdue counts, linked to their pipeline list; and
the escalations, with the days each candidate has been silent and what a lead can do about it in place
(take over, give to a colleague, send the check-in, snooze with a reason)."""

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recruiting import selectors, services
from recruiting.models import ACTIVE_STAGES, RecruiterPrompt, Role
from recruiting.permissions import can_act_on, can_give_to, role_of, team_member_ids
from recruiting.workspace import record_forms as rf
from recruiting.workspace.views.common import call_service, done, form_page, page_of

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


def _members(user):
    now = timezone.now()
    live = Q(owned_applications__stage__in=ACTIVE_STAGES)
    people = get_user_model().objects.filter(is_active=True, profile__isnull=False)
    ids = _member_ids(user)
    if ids is not None:
        people = people.filter(pk__in=ids)
    return people.annotate(
        live=Count("owned_applications", filter=live),
        overdue=Count("owned_applications", filter=live & Q(owned_applications__next_update_due__lte=now)),
    ).order_by("-overdue", "first_name", "username")[:MEMBERS_MAX]


@login_required
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    escalations = page_of(selectors.prompts_escalated_to(user=request.user), request, "escalations_page")
    context = {
        "members": _members(request.user),
        "escalations": escalations,
        # An admin oversees and holds no candidates: they give work to someone, never take it themselves.
        "may_take_over": can_give_to(request.user, request.user),
    }
    return render(request, "recruiting/team.html", context)


def _prompt(pk: int) -> RecruiterPrompt:
    prompt = get_object_or_404(
        RecruiterPrompt.objects.select_related("application__candidate", "application__owner"), pk=pk
    )
    return prompt


@login_required
@require_POST
def prompt_take_over(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead takes the candidate over: the application (and its open prompts) becomes theirs."""
    prompt = _prompt(pk)
    application = prompt.application
    if not can_act_on(request.user, application.owner_id):
        raise PermissionDenied("Only the recruiter's team lead or an admin can take this over.")
    services.application_reassign(application=application, owner=request.user, by=request.user)
    return done(
        request,
        reverse("team"),
        f"{application.candidate} is yours now; the reminder moved with them.",
        in_place=True,
    )


class ReassignForm(django_forms.Form):
    owner = rf.PickerField(picker="users", queryset_fn=rf.active_users, label="Give to", missing="Choose a colleague.")


@login_required
@require_http_methods(["GET", "POST"])
def prompt_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    prompt = _prompt(pk)
    application = prompt.application
    if not can_act_on(request.user, application.owner_id):
        raise PermissionDenied("Only the recruiter's team lead or an admin can give this to someone else.")
    form = ReassignForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner"]
        ok, _ = call_service(
            form, lambda: services.application_reassign(application=application, owner=owner, by=request.user)
        )
        if ok:
            name = owner.get_full_name() or owner.get_username()
            return done(request, reverse("team"), f"{application.candidate} is now {name}'s.", messages.SUCCESS)
    context = {
        "form": form,
        "title": f"Give {application.candidate} to a colleague",
        "action": reverse("prompt_reassign", args=[pk]),
        "submit": "Give",
        "pickers": ["users"],
    }
    return form_page(request, "recruiting/record_form.html", context, status=400 if form.is_bound else 200)
