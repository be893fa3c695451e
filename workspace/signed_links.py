"""Signed links in what people read: shown only to whoever may act on what the link opens.

A signed link is a key (a status page, an unsubscribe, a client's answer, a reply address, a password reset), and
the emails that carry them are read on many pages. So the mask (SignedLinkMask below) applies to every page served
to someone signed in, a page added later included; the pages open to anyone carry their own links and are left
alone. Who may read which link: "Roles" in docs/architecture.md.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from candidates import links as candidate_links
from candidates.models import Candidate
from notifications.models import OutboundMessage
from notifications.services.reply_addresses import PREFIX as REPLY_PREFIX
from notifications.services.reply_addresses import reply_token_check
from recruiting.client_links import client_answer_application_id
from recruiting.models import Application, ClientChase, Role
from recruiting.permissions import can_act_on, role_of

# What a masked link was. Written into pages as they are (HTML, JSON): no character that would need escaping.
LABELS = {
    "status": "[the candidate’s status link]",
    "short": "[the candidate’s status link]",
    "unsubscribe": "[the candidate’s unsubscribe link]",
    "answer": "[the hiring manager’s answer link]",
    "reset": "[a password reset link]",
    "reply": "[a reply address]",
}
# The characters of a signed token (value, timestamp and signature, ":"-separated), and of what follows it
# on the same route (a status link's own pages: preferences, new link, asking for news).
_SIGNED_PART = r"[A-Za-z0-9_.:\-]+"
_REST = r"(?:/[A-Za-z0-9_\-]*)*"
_PLACEHOLDER = "TOKENPLACEHOLDER"


def _route(name: str, **kwargs: str) -> str:
    """The path of a signed route up to its token, from the URLconf itself (a moved route stays masked)."""
    path = reverse(name, kwargs=kwargs) if kwargs else reverse(name, args=[_PLACEHOLDER])
    return re.escape(path[: path.index(_PLACEHOLDER)])


@cache
def _pattern(reply_domain: str) -> re.Pattern[str]:
    host = r"(?:https?://[^\s/\"'<>]+)?"
    reset = _route("password_reset_confirm", uidb64=_PLACEHOLDER, token="x")  # noqa: S106 (a placeholder)
    kinds = [
        rf"{_route('candidates:status')}(?P<status>{_SIGNED_PART}){_REST}",
        rf"{_route('candidates:status_short')}(?P<short>{_SIGNED_PART}){_REST}",
        rf"{_route('candidates:unsubscribe')}(?P<unsubscribe>{_SIGNED_PART}){_REST}",
        rf"{_route('candidates:client_answer')}(?P<answer>{_SIGNED_PART}){_REST}",
        rf"{reset}(?P<reset>[A-Za-z0-9_\-]+/[A-Za-z0-9_\-]+){_REST}",
    ]
    pattern = rf"{host}(?:{'|'.join(kinds)})"
    if reply_domain:
        # Mail servers may fold the case of an address: any case is masked.
        pattern += rf"|(?i:(?P<reply>{re.escape(REPLY_PREFIX)}[0-9a-z]+-[0-9a-z]+@{re.escape(reply_domain)}))"
    return re.compile(pattern)


def _subjects(found: Iterable[re.Match[str]]) -> dict[tuple[str, str], tuple[str, int]]:
    """What each genuine link (kind, token) opens, as (model, id); links we cannot read are left out, and
    so is a password reset link (nobody but its account holder may read it)."""
    named: dict[tuple[str, str], tuple[str, int]] = {}
    for match in found:
        kind = match.lastgroup or ""
        token = match[kind]
        subject: int | None = None
        if kind in ("status", "unsubscribe"):
            salt = candidate_links.STATUS_SALT if kind == "status" else candidate_links.UNSUBSCRIBE_SALT
            subject, model = candidate_links.token_candidate_id(token, salt=salt), "candidate"
        elif kind == "short":
            subject, model = candidate_links.short_token_candidate_id(token), "candidate"
        elif kind == "answer":
            subject, model = client_answer_application_id(token), "application"
        elif kind == "reply":
            check = reply_token_check(token)
            subject, model = (check.message_id if check is not None else None), "message"
        if subject is not None:
            named[kind, token] = (model, subject)
    return named


def _owners(subjects: Iterable[tuple[str, int]]) -> dict[tuple[str, int], list[tuple[int, ...]]]:
    """The owners of each (model, id), as groups: who may act for one owner of every group may read its
    links (an application is its owner's and its job owner's: split desks). Three queries at most."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for model, pk in subjects:
        wanted[model].add(pk)
    owners: dict[tuple[str, int], list[tuple[int, ...]]] = defaultdict(list)
    if wanted["candidate"]:
        for pk, owner in Candidate.objects.filter(pk__in=wanted["candidate"]).values_list("pk", "owner_id"):
            owners["candidate", pk].append((owner,))
    if wanted["application"]:
        rows = Application.objects.filter(pk__in=wanted["application"]).values_list("pk", "owner_id", "job__owner_id")
        for pk, owner, job_owner in rows:
            owners["application", pk].append((owner, job_owner))
    if wanted["message"]:
        rows = OutboundMessage.objects.filter(pk__in=wanted["message"]).values_list(
            "pk", "application__owner_id", "application__job__owner_id", "candidate__owner_id"
        )
        for pk, application_owner, job_owner, candidate_owner in rows:
            if application_owner is not None:
                owners["message", pk].append((application_owner, job_owner))
            elif candidate_owner is not None:
                owners["message", pk].append((candidate_owner,))
        # A chase to a hiring manager is about several applications: its reply address records an answer
        # on each of them.
        chases = ClientChase.objects.filter(message_id__in=wanted["message"]).values_list(
            "message_id", "application__owner_id", "application__job__owner_id"
        )
        for pk, owner, job_owner in chases:
            owners["message", pk].append((owner, job_owner))
    return owners


def _may_act(viewer: AbstractBaseUser | None) -> Callable[[int], bool]:
    decided: dict[int, bool] = {}

    def may(owner_id: int) -> bool:
        if owner_id not in decided:
            decided[owner_id] = viewer is not None and can_act_on(viewer, owner_id)
        return decided[owner_id]

    return may


def signed_links_masked(text: str, *, viewer: AbstractBaseUser | None) -> str:
    """`text` with every signed link the viewer may not act on replaced by a label saying what it was.

    `viewer` None is nobody in particular: every link is masked. A few queries at most, whatever the
    number of links (the owners of the candidates, applications and messages they name, read at once).
    """
    pattern = _pattern(settings.INLOOP_REPLY_DOMAIN.strip().lower())
    found = list(pattern.finditer(text))
    if not found:
        return text
    subjects = _subjects(found)
    if viewer is None or not viewer.is_active:
        readable: set[tuple[str, str]] = set()
    elif role_of(viewer) == Role.ADMIN:
        readable = set(subjects)
    else:
        may = _may_act(viewer)
        owners = _owners(subjects.values())
        readable = {
            link
            for link, subject in subjects.items()
            if owners[subject] and all(any(may(owner) for owner in group) for group in owners[subject])
        }

    def replace(match: re.Match[str]) -> str:
        kind = match.lastgroup or ""
        return match[0] if (kind, match[kind]) in readable else LABELS[kind]

    return pattern.sub(replace, text)


class SignedLinkMask:
    """Middleware: every page a signed-in person is served has its signed links masked for them.

    Pages that need no sign-in (the candidate's status page, the hiring manager's answer page, password
    reset, webhooks) are served as they are: their own link is the point of them.
    """

    MASKED_TYPES = ("text/", "application/json")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "signed_links_masked", False) or response.streaming:
            return response
        if not response.get("Content-Type", "").startswith(self.MASKED_TYPES):
            return response
        text = response.content.decode(response.charset, errors="surrogateescape")
        masked = signed_links_masked(text, viewer=request.user)
        if masked != text:
            response.content = masked.encode(response.charset, errors="surrogateescape")
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        user = getattr(request, "user", None)
        request.signed_links_masked = bool(user is not None and user.is_authenticated) and getattr(
            view_func, "login_required", True
        )
