"""The candidate's own pages: reached by signed link, no login. GET never changes anything."""

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import links
from .models import Candidate


def _candidate_or_404(token: str, salt: str) -> Candidate:
    try:
        return links.candidate_from_token(token, salt=salt)
    except (signing.BadSignature, Candidate.DoesNotExist, ValueError) as error:
        raise Http404("This link is not valid or has expired.") from error


@require_http_methods(["GET"])
def status_page(request: HttpRequest, token: str) -> HttpResponse:
    candidate = _candidate_or_404(token, links.STATUS_SALT)
    return render(request, "candidates/status.html", {"candidate": candidate, "token": token})


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    candidate = _candidate_or_404(token, links.UNSUBSCRIBE_SALT)
    return render(request, "candidates/unsubscribe.html", {"candidate": candidate, "token": token})
