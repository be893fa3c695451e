"""The morning digest: once a day, each recruiter hears who is owed something from them.

Sent in the morning window of the recruiter's own time zone, from settings.INLOOP_DIGEST_HOUR for
INLOOP_DIGEST_WINDOW_HOURS (the beat job runs every quarter of an hour), on their business days only
(a weekday there, not a firm holiday): a window missed, by an outage say, waits for the next business
morning rather than wishing someone good morning in the evening. Only when something is overdue, due
today or owed, and at most once per local day: the outbox refuses a second row with the same
idempotency key, so two beat runs at once send one digest.
Team leads also get the prompts escalated to them.
"""

import logging
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from notifications.models import MessageTemplate, OutboundMessage
from notifications.services import outbox
from recruiting import calendar, policy, selectors
from recruiting.models import Application, RecruiterPrompt

logger = logging.getLogger(__name__)


@dataclass
class DigestResult:
    queued_user_ids: list[int] = field(default_factory=list)
    # Recipients in their morning window who had nothing owed.
    nothing_owed: int = 0
    already_sent: int = 0


def digest_window_open(*, now: datetime, tz: ZoneInfo, holidays: Collection[date] = ()) -> bool:
    """Whether `now` is in the digest window of someone in `tz`: a business morning there."""
    local_now = timezone.localtime(now, tz)
    day = local_now.date()
    if not policy.is_business_day(day, holidays):
        return False
    opens = datetime.combine(day, time(settings.INLOOP_DIGEST_HOUR), tzinfo=tz)
    closes = opens + timedelta(hours=settings.INLOOP_DIGEST_WINDOW_HOURS)
    return opens <= local_now < closes


def digest_key(*, user_id: int, local_date) -> str:
    return f"digest:{user_id}:{local_date.isoformat()}"


def _user_zone(user) -> ZoneInfo:
    return calendar.zone(outbox.window_zone(candidate=None, recipient_user=user))


def _candidate_url(candidate_id: int) -> str:
    try:
        path = reverse("candidate_detail", args=[candidate_id])
    except NoReverseMatch:
        path = reverse("admin:candidates_candidate_change", args=[candidate_id])
    return f"{settings.INLOOP_BASE_URL}{path}"


def _workspace_url() -> str:
    return f"{settings.INLOOP_BASE_URL}{reverse('home')}"


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _silence(application: Application, now: datetime) -> str:
    days = policy.days_silent(last_informed_at=application.last_informed_at or application.created_at, now=now)
    return f"{_days(days)} without news"


def _line(application: Application, what: str, now: datetime, owner: str = "") -> str:
    job = application.job
    parts = [application.candidate.full_name, f"{job.title} at {job.client.name}", what]
    if owner:
        parts.append(f"with {owner}")
    parts += [_silence(application, now), _candidate_url(application.candidate_id)]
    return "- " + " · ".join(parts)


def _owed_line(prompt: RecruiterPrompt, now: datetime, tz: ZoneInfo) -> str:
    what = prompt.get_reason_display()
    if prompt.due_at > now:
        what += f", due {calendar.day_words(prompt.due_at, tz=tz)}"
    return _line(prompt.application, what, now)


# A recipient of today's digest: the user, their zone, and the digest's idempotency key.
Recipient = tuple[object, ZoneInfo, str]


def digests_send(*, now: datetime | None = None) -> DigestResult:
    """Queue today's digest for every recruiter in their morning window who has none yet."""
    now = now or timezone.now()
    result = DigestResult()
    recipients = _recipients_due(now=now, result=result)
    if not recipients:
        return result
    owed, escalated = _prompts_for(recipients, now=now)
    due_soon = _applications_due_soon(recipients, now=now)
    for pk, (user, tz, key) in recipients.items():
        context = _digest_context(user, tz, now, owed=owed[pk], escalated=escalated[pk], due_soon=due_soon[pk])
        if context is None:
            result.nothing_owed += 1
            continue
        try:
            outbox.message_queue(
                idempotency_key=key,
                template_code=MessageTemplate.Code.DIGEST,
                to_address=user.email,
                context=context,
                recipient_user=user,
                hold_minutes=0,
                respect_business_hours=False,
            )
        except ValidationError:
            # One recruiter's bad address must not hold up everyone else's digest.
            logger.warning("Digest for user %s could not be queued.", pk, exc_info=True)
            continue
        result.queued_user_ids.append(pk)
    return result


def _recipients_due(*, now: datetime, result: DigestResult) -> dict[int, Recipient]:
    """The active users with an address whose morning window is open and who have no digest today."""
    holidays = selectors.firm_holidays()
    recipients: dict[int, Recipient] = {}
    for user in get_user_model().objects.filter(is_active=True).exclude(email="").select_related("profile"):
        tz = _user_zone(user)
        if digest_window_open(now=now, tz=tz, holidays=holidays):
            local_day = timezone.localtime(now, tz).date()
            recipients[user.pk] = (user, tz, digest_key(user_id=user.pk, local_date=local_day))
    if not recipients:
        return {}
    sent = set(
        OutboundMessage.objects.filter(idempotency_key__in=[key for _, _, key in recipients.values()]).values_list(
            "idempotency_key", flat=True
        )
    )
    result.already_sent = sum(1 for _, _, key in recipients.values() if key in sent)
    return {pk: entry for pk, entry in recipients.items() if entry[2] not in sent}


def _prompts_for(
    recipients: dict[int, Recipient], *, now: datetime
) -> tuple[dict[int, list[RecruiterPrompt]], dict[int, list[RecruiterPrompt]]]:
    """Each recipient's own open prompts, and those escalated to them (a lead's team's), in one query."""
    owed: dict[int, list[RecruiterPrompt]] = defaultdict(list)
    escalated: dict[int, list[RecruiterPrompt]] = defaultdict(list)
    ids = list(recipients)
    for prompt in selectors.prompts_open(now=now).filter(Q(recruiter_id__in=ids) | Q(escalated_to_id__in=ids)):
        if prompt.recruiter_id in recipients:
            owed[prompt.recruiter_id].append(prompt)
        if prompt.escalated_to_id in recipients and prompt.escalated_to_id != prompt.recruiter_id:
            escalated[prompt.escalated_to_id].append(prompt)
    return owed, escalated


def _applications_due_soon(recipients: dict[int, Recipient], *, now: datetime) -> dict[int, list[Application]]:
    """Per recipient, applications due before the end of their day (never more than 24 hours away), or
    already past due and not yet picked up by the scan; a snoozed prompt keeps its application out."""
    due_soon: dict[int, list[Application]] = defaultdict(list)
    upcoming = (
        selectors.applications_overdue(now=now + timedelta(hours=24))
        .filter(owner_id__in=list(recipients))
        .select_related("candidate", "job__client")
        .order_by("next_update_due", "pk")
    )
    for application in upcoming:
        tz = recipients[application.owner_id][1]
        end_of_day = datetime.combine(timezone.localtime(now, tz).date() + timedelta(days=1), time.min, tzinfo=tz)
        if application.next_update_due < end_of_day:
            due_soon[application.owner_id].append(application)
    return due_soon


def _digest_context(
    user,
    tz: ZoneInfo,
    now: datetime,
    *,
    owed: list[RecruiterPrompt],
    escalated: list[RecruiterPrompt],
    due_soon: list[Application],
) -> dict[str, object] | None:
    """The digest's merge fields, or None when nothing is owed."""
    overdue_lines = [_owed_line(prompt, now, tz) for prompt in owed]
    overdue_lines += [
        _line(application, "Update overdue", now) for application in due_soon if application.next_update_due <= now
    ]
    today_lines = [
        _line(application, f"due by {timezone.localtime(application.next_update_due, tz):%H:%M}", now)
        for application in due_soon
        if application.next_update_due > now
    ]
    escalation_lines = [
        _line(prompt.application, prompt.get_reason_display(), now, owner=outbox.person_name(prompt.recruiter))
        for prompt in escalated
    ]
    if not (overdue_lines or today_lines or escalation_lines):
        return None
    return {
        "recruiter_name": user.first_name or outbox.person_name(user),
        "overdue_count": len(overdue_lines),
        "overdue_list": "\n".join(overdue_lines),
        "due_today_count": len(today_lines),
        "due_today_list": "\n".join(today_lines),
        "escalations_count": len(escalation_lines),
        "escalations_list": "\n".join(escalation_lines),
        "workspace_url": _workspace_url(),
    }
