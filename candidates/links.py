"""Signed, expiring links for candidates: the status page and one-click unsubscribe.

A token carries the candidate's id and link version, signed with a purpose-specific salt. Asking for a
new link bumps the version, which retires every older status link.

A text carries the status link in its short form (status_short_url): the candidate's id, link version
and day of issue in base 62 and a truncated HMAC, about 20 characters, which opens a redirect to the
status page with a fresh full token; it retires and expires with the status links.

Unsubscribe links are different on purpose: they must keep working from any email the candidate still
has (RFC 8058 expects the URL in an old message to work), so they ignore the link version and live for
a year. The worst a leaked one can do is pause automated email, which the candidate can undo.
"""

import base64
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from candidates.models import Candidate

STATUS_SALT = "inloop.candidates.status"
UNSUBSCRIBE_SALT = "inloop.candidates.unsubscribe"
SHORT_SALT = "inloop.candidates.status-short"
# 72 bits of HMAC: enough against guessing for a link that expires.
SHORT_MAC_CHARS = 12
UNSUBSCRIBE_MAX_AGE = timedelta(days=365)
# How old an expired status link may be and still let its holder ask for a fresh one by email.
NEW_LINK_MAX_AGE = timedelta(days=365)


def _token(candidate: Candidate, salt: str) -> str:
    return signing.TimestampSigner(salt=salt).sign(f"{candidate.pk}.{candidate.link_version}")


def candidate_from_token(token: str, *, salt: str = STATUS_SALT, max_age: timedelta | None = None) -> Candidate:
    """The candidate a token was made for. Raises signing.BadSignature (or SignatureExpired) when the
    token is tampered with or too old, and Candidate.DoesNotExist when it was retired or never valid."""
    if salt == UNSUBSCRIBE_SALT:
        max_age = max_age or UNSUBSCRIBE_MAX_AGE
    max_age = max_age or timedelta(days=settings.INLOOP_STATUS_LINK_MAX_AGE_DAYS)
    value = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    candidate_id, _, version = value.partition(".")
    candidates = Candidate.objects.filter(erased_at__isnull=True)
    if salt != UNSUBSCRIBE_SALT:
        candidates = candidates.filter(link_version=int(version))
    return candidates.get(pk=int(candidate_id))


def status_page_url(candidate: Candidate) -> str:
    return _link("candidates:status", _token(candidate, STATUS_SALT))


def unsubscribe_url(candidate: Candidate) -> str:
    return _link("candidates:unsubscribe", _token(candidate, UNSUBSCRIBE_SALT))


# A stand-in for a token in a reversed route: letters only, which reverse() writes as they are, as it does a
# signed token (letters, digits, "-", "_", ":" and ".").
_STAND_IN = "linkstandin"


def _link(route: str, token: str) -> str:
    """settings.INLOOP_BASE_URL + reverse(route, args=[token]), the route reversed once per process and
    URLconf (a sending worker writes two or three links into every message)."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return settings.INLOOP_BASE_URL + _reversed(route, urlconf, get_script_prefix()).replace(_STAND_IN, token, 1)


@lru_cache(maxsize=32)
def _reversed(route: str, urlconf: str, script_prefix: str) -> str:
    """The route's path with the stand-in for its token; one for each URLconf and script prefix (reverse()
    reads the current one)."""
    return reverse(route, urlconf=urlconf, args=[_STAND_IN])


def token_candidate_id(token: str, *, salt: str) -> int | None:
    """The candidate a genuine token of ours was made for, however old or retired; None for anything else.
    For deciding who may read the link, never for letting anyone in (candidate_from_token does that)."""
    try:
        value = signing.TimestampSigner(salt=salt).unsign(token)
    except signing.BadSignature:
        return None
    candidate_id, _, _version = value.partition(".")
    return int(candidate_id) if candidate_id.isdigit() else None


def _short_mac(value: str) -> str:
    digest = salted_hmac(SHORT_SALT, value, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:SHORT_MAC_CHARS]


def _days() -> int:
    return int(timezone.now().timestamp() // 86400)


def status_short_token(candidate: Candidate) -> str:
    value = "-".join(signing.b62_encode(number) for number in (candidate.pk, candidate.link_version, _days()))
    return f"{value}.{_short_mac(value)}"


def status_short_url(candidate: Candidate) -> str:
    """The status link of a text: one short signed URL (module docstring)."""
    return settings.INLOOP_BASE_URL + reverse("candidates:status_short", args=[status_short_token(candidate)])


def short_token_candidate_id(token: str) -> int | None:
    """The candidate a genuine short token was made for, however old or retired; None for anything else."""
    value, _, mac = token.rpartition(".")
    if not value or not constant_time_compare(mac, _short_mac(value)):
        return None
    return signing.b62_decode(value.split("-")[0])


def candidate_from_short_token(token: str) -> Candidate:
    """The candidate of a short token still valid; raises signing.SignatureExpired for an old one,
    signing.BadSignature for anything not ours and Candidate.DoesNotExist for a retired one."""
    candidate_id = short_token_candidate_id(token)
    if candidate_id is None:
        raise signing.BadSignature("Not a status link of ours.")
    _pk, version, day = (signing.b62_decode(part) for part in token.rpartition(".")[0].split("-"))
    if _days() - day > settings.INLOOP_STATUS_LINK_MAX_AGE_DAYS:
        raise signing.SignatureExpired("The status link has expired.")
    return Candidate.objects.filter(erased_at__isnull=True, link_version=version).get(pk=candidate_id)
