"""What every workspace page shares: pages of a list read in one query, the answer after an action, form
pages, a service's ValidationError shown on its form, the error pages and the health check."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from recruiting.models import Application, Role
from recruiting.permissions import role_of, team_member_ids
from recruiting.ratelimit import over_limit
from workspace import forms

PAGE_SIZE = 25
# Beyond this a page number is someone typing (or a tool probing), not a list: it is read as the last one
# allowed, so that a 30-digit number never reaches the database as an offset.
MAX_PAGE = 10_000
# The largest id a database row can have (a signed 64-bit key); anything longer names nothing.
MAX_ID = 2**63 - 1


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


def page_number(request: HttpRequest, param: str = "page", maximum: int = MAX_PAGE) -> int:
    """The page asked for in the query string: 1 when it is not a number, at most `maximum`."""
    value = request.GET.get(param, "")
    if not (value.isascii() and value.isdigit()):
        return 1
    return min(max(1, int(value)), maximum) if len(value) <= len(str(maximum)) else maximum


def ids_from(values: list[str]) -> list[int]:
    """The ids in a form's list (ticked rows): plain numbers that a row could have; anything else is dropped."""
    return [int(value) for value in values if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID]


def page_of(queryset: QuerySet, request: HttpRequest, param: str = "page", size: int = PAGE_SIZE) -> Page:
    number = page_number(request, param)
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(items=rows[:size], number=number, has_next=len(rows) > size)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(request: HttpRequest, default: str) -> str:
    """The page to go back to, when it is one of ours: a path on this host (Django's own check, which knows
    that browsers read `/\\evil.example/` as another host), never a bare scheme or a control character."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def done(
    request: HttpRequest, default: str, text: str, level: int = messages.SUCCESS, *, in_place: bool = False
) -> HttpResponse:
    """After an action: a message, then back where the recruiter was.

    htmx requests get a full redirect (HX-Redirect), or, for the one-click actions of a list (`in_place`),
    the outcome in place of the buttons.
    """
    if in_place and is_htmx(request):
        return render(
            request, "workspace/_action_result.html", {"text": text, "level": messages.DEFAULT_TAGS.get(level)}
        )
    messages.add_message(request, level, text)
    target = safe_next(request, default)
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": target})
    return HttpResponseRedirect(target)


EMAIL_FORMS_WINDOW_SECONDS = 60 * 60


def emails_throttled(request: HttpRequest, *, in_place: bool = False) -> HttpResponse | None:
    """The answer when the user has sent too many email forms this hour (None: go on). Counted in the cache
    by recruiting.ratelimit, which lets the form through when the cache is down."""
    if not over_limit(
        f"inloop:email-forms:user:{request.user.pk}",
        limit=settings.INLOOP_EMAIL_FORMS_PER_HOUR,
        window_seconds=EMAIL_FORMS_WINDOW_SECONDS,
    ):
        return None
    reason = (
        f"You have sent {settings.INLOOP_EMAIL_FORMS_PER_HOUR} emails or check-ins in the last hour, "
        "the most the workspace sends for one person; try again within the hour."
    )
    if in_place and is_htmx(request):
        return render(request, "workspace/_action_result.html", {"text": reason, "level": "warning"}, status=429)
    response = render(request, "workspace/429.html", {"reason": reason}, status=429)
    response["Retry-After"] = str(EMAIL_FORMS_WINDOW_SECONDS)
    return response


def form_page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """A form page: inside the shared modal for htmx requests, as a whole page otherwise."""
    context = {"base_template": "workspace/_modal.html" if is_htmx(request) else "base.html", **context}
    return render(request, template, context, status=status)


def call_service(form, action: Callable[[], Any]) -> tuple[bool, Any]:
    """Run a service; a ValidationError lands on the form. PermissionDenied propagates (403 page)."""
    try:
        return True, action()
    except ValidationError as error:
        forms.apply_validation_error(form, error)
        return False, None


def call_service_or_refusal(form, action) -> tuple[bool, Any]:
    """call_service, with a refusal shown on the form too: what was typed stays, and the reason is given."""
    try:
        return call_service(form, action)
    except PermissionDenied as refusal:
        form.add_error(None, str(refusal) or "You may not do this.")
        return False, None


def actable_applications(user, applications: list[Application]) -> list[Application]:
    """The applications the user may act on (its owner's desk or its job's owner's: permissions), with at
    most one query (a team lead's team); read the applications with their job."""
    role = role_of(user)
    if role == Role.ADMIN:
        return applications
    owners = team_member_ids(user) if role == Role.TEAM_LEAD else {user.pk}
    return [
        application
        for application in applications
        if application.owner_id in owners or application.job.owner_id in owners
    ]


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else "You are not allowed to do this."
    return render(request, "workspace/403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "workspace/404.html", {}, status=404)
