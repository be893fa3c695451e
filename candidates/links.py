"""Signed, expiring links for candidates: the status page and one-click unsubscribe.

A token carries the candidate's id and link version, signed with a purpose-specific salt. Asking for a
new link bumps the version, which retires every older token.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Candidate

STATUS_SALT = "inloop.candidates.status"
UNSUBSCRIBE_SALT = "inloop.candidates.unsubscribe"


def _token(candidate: Candidate, salt: str) -> str:
    return signing.TimestampSigner(salt=salt).sign(f"{candidate.pk}.{candidate.link_version}")


def candidate_from_token(token: str, *, salt: str = STATUS_SALT, max_age: timedelta | None = None) -> Candidate:
    """The candidate a token was made for. Raises signing.BadSignature (or SignatureExpired) when the
    token is tampered with or too old, and Candidate.DoesNotExist when it was retired or never valid."""
    max_age = max_age or timedelta(days=settings.INLOOP_STATUS_LINK_MAX_AGE_DAYS)
    value = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    candidate_id, _, version = value.partition(".")
    return Candidate.objects.get(pk=int(candidate_id), link_version=int(version), erased_at__isnull=True)


def status_page_url(candidate: Candidate) -> str:
    return settings.INLOOP_BASE_URL + reverse("candidates:status", args=[_token(candidate, STATUS_SALT)])


def unsubscribe_url(candidate: Candidate) -> str:
    return settings.INLOOP_BASE_URL + reverse("candidates:unsubscribe", args=[_token(candidate, UNSUBSCRIBE_SALT)])
