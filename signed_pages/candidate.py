"""The candidate's own pages: reached by signed link, no login.

GET never changes anything; every change is a POST that goes through a service. A link that is
tampered with, expired, retired or made for someone else answers 404 and shows nothing about anyone.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from candidates import links, selectors
from candidates.models import Candidate
from candidates.services import people
from candidates.services.texts import candidate_channel_choose
from candidates.wording import (
    client_asked_words,
    late_update_words,
    personal_news_words,
    stage_words,
)
from notifications.services.status_links import candidate_link_rotate
from recruiting import calendar, policy
from recruiting.client_names import client_display_name
from recruiting.models import Application, Stage
from signed_pages.ratelimit import rate_limited_post

INVALID_LINK_TEMPLATE = "candidates/invalid_link.html"


class InvalidLink(Exception):
    """The link cannot open anything; `expired` links may still ask for a fresh one by email."""

    def __init__(self, *, expired: bool = False):
        super().__init__("This link is not valid or has expired.")
        self.expired = expired


def _candidate_from_link(token: str, salt: str) -> Candidate:
    try:
        return links.candidate_from_token(token, salt=salt)
    except signing.SignatureExpired as error:
        raise InvalidLink(expired=True) from error
    except (signing.BadSignature, Candidate.DoesNotExist, ValueError) as error:
        raise InvalidLink() from error


def _invalid_link_response(request: HttpRequest, token: str, error: InvalidLink) -> HttpResponse:
    return render(request, INVALID_LINK_TEMPLATE, {"expired": error.expired, "token": token}, status=404)


@dataclass(frozen=True)
class ApplicationRow:
    """One application as the candidate reads it: plain values only, nothing from the models."""

    pk: int
    job_title: str
    client: str
    stage_title: str
    stage_explanation: str
    is_open: bool
    last_update: date | None
    applied_on: date
    recruiter_name: str
    recruiter_email: str
    update_requested_on: date | None
    hear_by: date | None = None
    promised_date: date | None = None
    # A late update said plainly (who has been reminded), with the next date we can keep, if any.
    late_words: str = ""
    latest_news_by: date | None = None
    # After a late rejection: the recruiter tells them in person, by when (docs/rules.md#rejection-by-depth).
    personal_news: str = ""
    # Turned down after a client saw them: they may ask for feedback, once.
    feedback_owed: bool = False
    feedback_requested_on: date | None = None
    client_asked: str = ""


def _local_date(moment: datetime | None, tz: ZoneInfo) -> date | None:
    return moment.astimezone(tz).date() if moment is not None else None


def _gets_automated_email(candidate: Candidate) -> bool:
    return not (
        candidate.do_not_contact
        or candidate.automated_updates_paused
        or candidate.email_status != Candidate.EmailStatus.OK
    )


def _latest_news_by(application: Application, candidate: Candidate, now: datetime, tz: ZoneInfo) -> date | None:
    """The date a late candidate hears from us at the latest: the safety net's email goes out before two weeks of
    silence (docs/rules.md#silence-cap), for a candidate who gets automated email. None when we cannot promise it."""
    if not _gets_automated_email(candidate):
        return None
    latest = policy.silence_ceiling(application.last_informed_at or application.created_at) - policy.SAFETY_NET_MARGIN
    return latest.astimezone(tz).date() if latest > now else None


def _row_timing(application: Application, candidate: Candidate, now: datetime, tz: ZoneInfo) -> dict:
    """What the row says about when they will hear: never a date that has passed (docs/rules.md#no-surprise)."""
    owner = application.owner
    name = owner.get_full_name() or owner.get_username()
    today = now.astimezone(tz).date()
    promised = application.promised_next_step_date
    timing = {
        "hear_by": _local_date(application.next_update_due, tz),
        "promised_date": promised if promised is not None and promised >= today else None,
    }
    if application.is_active and application.next_update_due is not None and application.next_update_due <= now:
        timing |= {
            "hear_by": None,
            "late_words": late_update_words(
                recruiter_name=name,
                owner_reminded=application.owner_reminded,
                lead_reminded=application.lead_reminded,
            ),
            "latest_news_by": _latest_news_by(application, candidate, now, tz),
        }
    if application.feedback_due_at is not None and not candidate.do_not_contact:
        timing["personal_news"] = personal_news_words(
            recruiter_name=name,
            due_on=_local_date(application.feedback_due_at, tz),
            late=application.feedback_due_at <= now,
            lead_reminded=application.lead_reminded,
        )
    return timing


def _rows(candidate: Candidate) -> list[ApplicationRow]:
    tz = calendar.zone(candidate.time_zone)
    now = timezone.now()
    rows = []
    for application in selectors.candidate_status_applications(candidate=candidate):
        words = stage_words(
            stage=application.stage,
            stage_entered_at=application.stage_entered_at,
            last_informed_at=application.last_informed_at,
        )
        owner = application.owner
        client = client_display_name(
            client=application.job.client, client_has_seen_candidate=application.client_has_seen_candidate
        )
        asked_on = _local_date(application.client_asked_sent_at, tz)
        rows.append(
            ApplicationRow(
                pk=application.pk,
                job_title=application.job.title,
                client=client,
                stage_title=words.title,
                stage_explanation=words.explanation,
                is_open=application.is_active,
                last_update=_local_date(application.last_informed_at, tz),
                applied_on=_local_date(application.created_at, tz),
                recruiter_name=owner.get_full_name() or owner.get_username(),
                recruiter_email=owner.email,
                update_requested_on=_local_date(application.update_requested_at, tz),
                **_row_timing(application, candidate, now, tz),
                feedback_owed=application.stage == Stage.REJECTED and application.client_has_seen_candidate,
                feedback_requested_on=_local_date(application.feedback_requested_at, tz),
                client_asked=client_asked_words(client_name=client, asked_on=asked_on) if asked_on else "",
            )
        )
    return rows


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def status_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        candidate = _candidate_from_link(token, links.STATUS_SALT)
    except InvalidLink as error:
        return _invalid_link_response(request, token, error)
    context = {
        "candidate": candidate,
        "token": token,
        "applications": _rows(candidate),
        # The page shows the number's last digits only: a forwarded link does not give it away.
        "mobile_ending": str(candidate.mobile or "")[-2:],
        "channel_choices": Candidate.Channel.choices,
    }
    return render(request, "candidates/status.html", context)


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def status_short(request: HttpRequest, token: str) -> HttpResponse:
    """The short status link of a text: on to the status page with a full token. An expired one cannot
    ask for a fresh link by email from here (that needs the full token): it says the link does not work."""
    try:
        candidate = links.candidate_from_short_token(token)
    except (signing.BadSignature, Candidate.DoesNotExist, ValueError):
        return _invalid_link_response(request, "", InvalidLink())
    return redirect(links.status_page_url(candidate))


PREFERENCE_CHOICES = {
    "pause": {"automated_updates_paused": True},
    "resume": {"automated_updates_paused": False},
    "stop": {"do_not_contact": True, "reason": people.STOP_CONTACT_REASON},
    "restart": {"do_not_contact": False},
}
PREFERENCE_CONFIRMATIONS = {
    "pause": "Done: we have paused automated updates. Your recruiter may still get in touch personally.",
    "resume": "Done: automated updates are back on.",
    "stop": "Done: we will not contact you any more. You can change your mind here at any time.",
    "restart": "Done: we will keep you informed again.",
}


@login_not_required
@never_cache
@require_POST
@rate_limited_post
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    try:
        candidate = _candidate_from_link(token, links.STATUS_SALT)
    except InvalidLink as error:
        return _invalid_link_response(request, token, error)
    choice = request.POST.get("choice", "")
    if choice not in PREFERENCE_CHOICES:
        messages.error(request, "We did not understand that choice. Please use one of the buttons below.")
        return redirect("candidates:status", token=token)
    people.candidate_set_preferences(candidate=candidate, by=None, source="candidate", **PREFERENCE_CHOICES[choice])
    messages.success(request, PREFERENCE_CONFIRMATIONS[choice])
    return redirect("candidates:status", token=token)


CHANNEL_CONFIRMATIONS = {
    Candidate.Channel.EMAIL: "Done: we will write to you by email only, and send you no more texts.",
    Candidate.Channel.SMS: "Done: our updates will come by text message. Text STOP at any time to stop them.",
    Candidate.Channel.BOTH: "Done: our updates will come by email and by text. Text STOP at any time to stop texts.",
}


@login_not_required
@never_cache
@require_POST
@rate_limited_post
def channel(request: HttpRequest, token: str) -> HttpResponse:
    """The candidate chooses email, texts or both (choosing texts is their consent; email stops texts)."""
    try:
        candidate = _candidate_from_link(token, links.STATUS_SALT)
    except InvalidLink as error:
        return _invalid_link_response(request, token, error)
    choice = request.POST.get("channel", "")
    try:
        candidate_channel_choose(candidate=candidate, channel=choice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, CHANNEL_CONFIRMATIONS[choice])
    return redirect("candidates:status", token=token)


def _candidate_ask(
    request: HttpRequest, token: str, application_id: int, *, ask, thanks: str, already: str
) -> HttpResponse:
    """A candidate asks something about one of their applications (news, feedback): `ask` records it and
    says whether it was new; a thank-you, or a word that it was already asked, back on their page."""
    try:
        candidate = _candidate_from_link(token, links.STATUS_SALT)
    except InvalidLink as error:
        return _invalid_link_response(request, token, error)
    # Filtering by candidate makes another candidate's application indistinguishable from a missing one.
    application = Application.objects.filter(pk=application_id, candidate=candidate).first()
    if application is None:
        return _invalid_link_response(request, token, InvalidLink())
    try:
        asked = ask(application=application, candidate=candidate)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if asked:
            messages.success(request, thanks)
        else:
            messages.info(request, already)
    return redirect("candidates:status", token=token)


@login_not_required
@never_cache
@require_POST
@rate_limited_post
def ask_for_update(request: HttpRequest, token: str, application_id: int) -> HttpResponse:
    return _candidate_ask(
        request,
        token,
        application_id,
        ask=people.application_update_request,
        thanks="Thank you: we have asked your recruiter to send you an update.",
        already="You already asked for an update on this application in the last seven days, and your recruiter "
        "has been told. We will be in touch.",
    )


@login_not_required
@never_cache
@require_POST
@rate_limited_post
def ask_for_feedback(request: HttpRequest, token: str, application_id: int) -> HttpResponse:
    return _candidate_ask(
        request,
        token,
        application_id,
        ask=people.application_feedback_request,
        thanks="Thank you: your recruiter will get back to you personally with feedback.",
        already="You have already asked for feedback on this application; your recruiter knows.",
    )


@login_not_required
@never_cache
@require_POST
@rate_limited_post
def new_link(request: HttpRequest, token: str) -> HttpResponse:
    """Email a fresh link to the address on file and retire the old ones.

    Accepts a status link that has expired (up to a year old) as long as it is genuine and current, so
    that a candidate holding an old email can still get back in. Nothing about them is shown here: the
    new link only ever goes to their own inbox.
    """
    try:
        candidate = links.candidate_from_token(token, salt=links.STATUS_SALT, max_age=links.NEW_LINK_MAX_AGE)
    except (signing.BadSignature, Candidate.DoesNotExist, ValueError):
        return _invalid_link_response(request, token, InvalidLink())
    candidate_link_rotate(candidate=candidate, by=None)
    return render(request, "candidates/new_link_sent.html")


@login_not_required
@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited_post
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058).

    GET shows a confirmation button and changes nothing (mail scanners open links). POST unsubscribes:
    both our own button and the mail client's one-click POST (body "List-Unsubscribe=One-Click"), which
    carries no CSRF token, hence the exemption; the signed token in the URL is what authorises it.

    Unsubscribing pauses automated email (status updates, check-ins). It does not set do-not-contact:
    the candidate asked to stop the automatic mail, not to end the relationship, so their recruiter may
    still reach them personally. The status page offers "stop all contact" as the stronger choice.
    """
    try:
        candidate = _candidate_from_link(token, links.UNSUBSCRIBE_SALT)
    except InvalidLink:
        # A new status link cannot be had from an unsubscribe link: it is not the same key.
        return _invalid_link_response(request, token, InvalidLink())
    if request.method == "POST":
        people.candidate_set_preferences(
            candidate=candidate,
            by=None,
            automated_updates_paused=True,
            reason="Unsubscribed from automated email",
            source="candidate",
            unsubscribed=True,
        )
        return render(request, "candidates/unsubscribed.html")
    return render(request, "candidates/unsubscribe.html", {"token": token})
