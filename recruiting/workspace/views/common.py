"""What every workspace page shares: pages of a list read in one query, the answer after an action, form
pages, a service's ValidationError shown on its form, the error pages and the health check."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from recruiting.models import Application, Role
from recruiting.permissions import role_of, team_member_ids
from recruiting.workspace import forms

PAGE_SIZE = 25


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


def done(
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


def form_page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """A form page: inside the shared modal for htmx requests, as a whole page otherwise."""
    context = {"base_template": "recruiting/_modal.html" if is_htmx(request) else "base.html", **context}
    return render(request, template, context, status=status)


def call_service(form, action: Callable[[], Any]) -> tuple[bool, Any]:
    """Run a service; a ValidationError lands on the form. PermissionDenied propagates (403 page)."""
    try:
        return True, action()
    except ValidationError as error:
        forms.apply_validation_error(form, error)
        return False, None


def actable_applications(user, applications: list[Application]) -> list[Application]:
    """The applications the user may act on, with at most one query (a team lead's team)."""
    role = role_of(user)
    if role == Role.ADMIN:
        return applications
    owners = team_member_ids(user) if role == Role.TEAM_LEAD else {user.pk}
    return [application for application in applications if application.owner_id in owners]


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else "You are not allowed to do this."
    return render(request, "recruiting/403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "recruiting/404.html", {}, status=404)
