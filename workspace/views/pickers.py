"""Suggestions for the pickers of the workspace's forms, fetched as the recruiter types (htmx): a few
<option> rows for the text box's datalist, each ending in the record's "#<number>"."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from recruiting.models import Client, Job
from workspace import selectors as ws
from workspace.record_forms import user_label

SUGGESTIONS = 10
QUERY_MAX = 100


def _clients(query: str) -> list[tuple[str, str]]:
    clients = Client.objects.filter(name__icontains=query).order_by("name")[:SUGGESTIONS]
    return [(f"{client.name} #{client.pk}", client.industry) for client in clients]


def _jobs(query: str) -> list[tuple[str, str]]:
    jobs = ws.jobs_search(query=query).filter(status=Job.Status.OPEN).select_related("client").order_by("title", "pk")
    return [(f"{job.title}, {job.client.name} #{job.pk}", job.location) for job in jobs[:SUGGESTIONS]]


def _candidates(query: str, *, within=None) -> list[tuple[str, str]]:
    candidates = ws.candidates_search(query=query)
    if within is not None:
        candidates = candidates.filter(pk__in=within.values("pk"))
    candidates = candidates[:SUGGESTIONS]
    return [(f"{candidate.full_name} #{candidate.pk}", candidate.email) for candidate in candidates]


def _users(query: str) -> list[tuple[str, str]]:
    match = Q()
    for word in query.split():
        match &= Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(username__icontains=word)
    users = get_user_model().objects.filter(match, is_active=True).order_by("first_name", "last_name", "pk")
    return [(user_label(user), user.get_username()) for user in users[:SUGGESTIONS]]


def _for_job(request: HttpRequest) -> Job | None:
    given = request.GET.get("for_job", "")
    if not (given.isascii() and given.isdigit() and len(given) < 19):
        return None
    return Job.objects.filter(pk=int(given)).first()


PICKERS = {"clients": _clients, "jobs": _jobs, "candidates": _candidates, "users": _users}


@login_required
@require_GET
def picker(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in PICKERS:
        raise Http404
    # Whatever the text box holds is sent (its name is the form field's); a chosen suggestion's "#n" is no query.
    values = [value for key, value in request.GET.items() if key not in ("kind", "for_job")]
    query = (values[0] if values else "").split("#")[0].strip()[:QUERY_MAX]
    if not query:
        options = []
    elif kind == "candidates" and (job := _for_job(request)) is not None:
        # The board's "Add a candidate": only those the user may put forward to that job.
        options = _candidates(query, within=ws.candidates_to_put_forward(user=request.user, job=job))
    else:
        options = PICKERS[kind](query)
    return render(request, "workspace/_picker_options.html", {"options": options})
