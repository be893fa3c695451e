"""Recruiter prompts: someone at the firm owes a candidate something.

The overdue scan (product.md rule 4) opens one prompt per application whose next update is due,
settles the ones whose application no longer owes news, and tells the owner's team lead about prompts
left open too long. Every step is safe to run twice or twice at once: the partial unique index
`one_open_prompt_per_application_and_reason` refuses a second open prompt, and escalation is a
conditional update of rows locked with SKIP LOCKED.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, DateTimeField, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from recruiting import policy
from recruiting import selectors as recruiting_selectors
from recruiting.models import Application, ContactEvent, RecruiterProfile, Stage
from recruiting.permissions import ensure_can_act
from recruiting.services import audit_log_record, audit_log_record_each, audit_log_record_many

from ..models import OutboundMessage, RecruiterPrompt

User = AbstractBaseUser
Reason = RecruiterPrompt.Reason

# Reasons that any outbound contact with the candidate settles.
RESOLVED_BY_CONTACT = (Reason.OVERDUE, Reason.CANDIDATE_ASKED)
# A bounced or failed email asks the recruiter to reach the candidate another way: a contact they
# log themselves (not another outbox message) is that other way.
RESOLVED_BY_PERSONAL_CONTACT = (Reason.DELIVERY_FAILED,)

# A scan that opens at least this many prompts refreshes the table's planner statistics.
REANALYZE_AFTER = 500

SETTLED_CLOSED = "No update owed any more: the application closed or the candidate asked not to be contacted."
SETTLED_CLOCK_MOVED = "No longer overdue: the next update is due later."


def prompt_open(
    *,
    application: Application,
    reason: str,
    detail: str = "",
    due_at: datetime | None = None,
    message=None,
) -> RecruiterPrompt:
    """Open a prompt for the application's owner, or return the one already open for that reason."""
    existing = RecruiterPrompt.objects.filter(application=application, reason=reason, resolved_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            prompt = RecruiterPrompt.objects.create(
                application=application,
                recruiter_id=application.owner_id,
                reason=reason,
                detail=detail[:300],
                due_at=due_at or timezone.now(),
                message=message,
            )
            audit_log_record(
                actor=None,
                action="prompt.open",
                obj=prompt,
                details={"application": application.pk, "reason": reason},
            )
            return prompt
    except IntegrityError:
        # Another process opened it between our read and our write: the partial unique index held.
        return RecruiterPrompt.objects.get(application=application, reason=reason, resolved_at__isnull=True)


def prompts_resolve_on_contacts(*, contacts: Sequence[ContactEvent]) -> int:
    """Outbound contacts settle what their candidates were owed (one contact, or a group logged together).

    Always the overdue and asked-for-update prompts; the feedback owed after a late rejection when the
    application is rejected (that contact is the feedback); a bounced-email prompt when the recruiter
    reached the candidate themselves rather than through another outbox message. A prompt is settled by
    the first of the contacts with its application. A constant number of queries for the group.
    """
    settling: dict[int, ContactEvent] = {}
    for contact in contacts:
        settling.setdefault(contact.application_id, contact)
    if not settling:
        return 0
    applications_by_reasons: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for application_id, contact in settling.items():
        reasons = RESOLVED_BY_CONTACT
        if contact.application.stage == Stage.REJECTED:
            reasons += (Reason.FEEDBACK_OWED,)
        if contact.message_id is None:
            reasons += RESOLVED_BY_PERSONAL_CONTACT
        applications_by_reasons[reasons].append(application_id)
    owed = Q()
    for reasons, application_ids in applications_by_reasons.items():
        owed |= Q(application_id__in=application_ids, reason__in=reasons)
    open_prompts = RecruiterPrompt.objects.filter(owed, resolved_at__isnull=True)
    rows = list(open_prompts.select_for_update().values_list("pk", "application_id"))
    if not rows:
        return 0
    # One update and one audit insert per way of settling (when, how, who): one for a group of emails.
    settled_by: dict[tuple, list[tuple[int, ContactEvent]]] = defaultdict(list)
    for pk, application_id in rows:
        contact = settling[application_id]
        settled_by[(contact.at, f"{contact.get_channel_display()} to the candidate", contact.by_id)].append(
            (pk, contact)
        )
    for (at, how, _by), settled in settled_by.items():
        RecruiterPrompt.objects.filter(pk__in=[pk for pk, _contact in settled]).update(resolved_at=at, resolution=how)
        audit_log_record_each(
            actor=settled[0][1].by,
            action="prompt.resolve",
            model=RecruiterPrompt,
            entries=[(pk, {"application": contact.application_id, "contact": contact.pk}) for pk, contact in settled],
        )
    return len(rows)


def prompts_reassign(*, application: Application, to_user) -> int:
    """Open prompts follow the application to its new owner."""
    return RecruiterPrompt.objects.filter(application=application, resolved_at__isnull=True).update(recruiter=to_user)


def prompts_open_many(
    *, applications: Iterable[Application], reason: str, detail: str = "", due_at: datetime | None = None
) -> list[RecruiterPrompt]:
    """prompt_open for a batch of applications, in a constant number of queries; returns the prompts opened.

    An application that already has an open prompt for the reason keeps it. The insert skips what the
    partial unique index refuses, so a prompt opened meanwhile by another process stands and is not
    opened twice.
    """
    applications = list({application.pk: application for application in applications}.values())
    if not applications:
        return []
    already = set(
        RecruiterPrompt.objects.filter(
            application__in=[application.pk for application in applications], reason=reason, resolved_at__isnull=True
        ).values_list("application_id", flat=True)
    )
    wanted = [application for application in applications if application.pk not in already]
    if not wanted:
        return []
    due_at = due_at or timezone.now()
    RecruiterPrompt.objects.bulk_create(
        [
            RecruiterPrompt(
                application=application,
                recruiter_id=application.owner_id,
                reason=reason,
                detail=detail[:300],
                due_at=due_at,
            )
            for application in wanted
        ],
        ignore_conflicts=True,
    )
    opened = list(
        RecruiterPrompt.objects.filter(
            application__in=[application.pk for application in wanted], reason=reason, resolved_at__isnull=True
        ).order_by("pk")
    )
    audit_log_record_each(
        actor=None,
        action="prompt.open",
        model=RecruiterPrompt,
        entries=[(prompt.pk, {"application": prompt.application_id, "reason": reason}) for prompt in opened],
    )
    return opened


def _snooze_ceiling(application: Application) -> datetime:
    return (application.last_informed_at or application.created_at) + policy.SILENCE_CEILING


@transaction.atomic
def prompt_snooze(*, prompt: RecruiterPrompt, until: datetime | date, reason: str, by: User | None) -> RecruiterPrompt:
    """Put a prompt aside until a date, with a reason; never past two weeks of silence (rule 3).

    A date means the start of that day in the firm's time zone. While snoozed the prompt is neither
    listed as overdue nor escalated; escalation counts again from the end of the snooze.
    """
    prompt = RecruiterPrompt.objects.select_for_update().select_related("application").get(pk=prompt.pk)
    ensure_can_act(by, prompt.recruiter_id)
    if prompt.resolved_at is not None:
        raise ValidationError("This prompt is already resolved.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why this can wait."})
    if until is None:
        raise ValidationError({"until": "Choose the date this can wait until."})
    if not isinstance(until, datetime):
        until = datetime.combine(until, time.min, tzinfo=recruiting_selectors.firm_time_zone())
    now = timezone.now()
    if until <= now:
        raise ValidationError({"until": "Choose a date in the future."})
    ceiling = _snooze_ceiling(prompt.application)
    if until > ceiling:
        local = timezone.localtime(ceiling, recruiting_selectors.firm_time_zone())
        if ceiling <= now:
            message = "The candidate has already gone two weeks without news: this cannot wait any longer."
        else:
            message = (
                "Two weeks without news is the limit for any candidate: "
                f"this can wait until {local:%A %d %B %Y, %H:%M} at the latest."
            )
        raise ValidationError({"until": message})
    prompt.snoozed_until = until
    prompt.snooze_reason = reason[:300]
    prompt.save(update_fields=["snoozed_until", "snooze_reason"])
    audit_log_record(
        actor=by,
        action="prompt.snooze",
        obj=prompt,
        details={"application": prompt.application_id, "until": until.isoformat(), "reason": prompt.snooze_reason},
    )
    return prompt


@transaction.atomic
def prompt_resolve(*, prompt: RecruiterPrompt, by: User | None, resolution: str) -> RecruiterPrompt:
    """Close a prompt by hand, saying how it was dealt with. Resolving a resolved prompt changes nothing.

    An overdue prompt cannot be waved away while the update is still overdue: it closes by itself when
    the candidate is told something (a logged call or email, or a sent check-in).
    """
    prompt = RecruiterPrompt.objects.select_for_update().select_related("application").get(pk=prompt.pk)
    ensure_can_act(by, prompt.recruiter_id)
    if prompt.resolved_at is not None:
        return prompt
    resolution = resolution.strip()
    if not resolution:
        raise ValidationError({"resolution": "Say how this was dealt with."})
    now = timezone.now()
    due = prompt.application.next_update_due
    if prompt.reason == Reason.OVERDUE and due is not None and due <= now:
        raise ValidationError(
            "The candidate is still owed an update. Log the call or email, or send a check-in, "
            "and this prompt closes by itself."
        )
    prompt.resolved_at = now
    prompt.resolution = resolution[:300]
    prompt.save(update_fields=["resolved_at", "resolution"])
    audit_log_record(
        actor=by,
        action="prompt.resolve",
        obj=prompt,
        details={"application": prompt.application_id, "resolution": prompt.resolution},
    )
    return prompt


@dataclass
class CheckInResult:
    queued: list[OutboundMessage] = field(default_factory=list)
    # (application, why it was not queued)
    skipped: list[tuple[Application, str]] = field(default_factory=list)


@transaction.atomic
def prompts_send_check_in(*, applications: Iterable[Application], by: User | None) -> CheckInResult:
    """One click: queue the "still in process" check-in for one application or a selection.

    The messages go through the outbox with its hold window; the prompts close when a message is sent.
    Permission is checked for the whole selection before anything is queued.
    """
    selection = list(Application.objects.filter(pk__in=[a.pk for a in applications]).select_related("candidate"))
    for application in selection:
        ensure_can_act(by, application.owner_id)
    # Imported here: the outbox opens prompts itself (a bounce, an unknown outcome).
    from . import outbox

    result = CheckInResult()
    for application in selection:
        try:
            with transaction.atomic():
                message = outbox.message_check_in_queue(application=application, by=by)
        except ValidationError as error:
            result.skipped.append((application, " ".join(error.messages)))
            continue
        if message.status in (OutboundMessage.Status.SUPPRESSED, OutboundMessage.Status.CANCELLED):
            # Written down so the recruiter sees what did not go and why (a paused or bounced candidate).
            result.skipped.append((application, message.status_reason))
            continue
        result.queued.append(message)
        RecruiterPrompt.objects.filter(
            application=application, reason__in=RESOLVED_BY_CONTACT, resolved_at__isnull=True
        ).update(message=message)
    return result


@dataclass(frozen=True)
class ScanResult:
    now: datetime
    dry_run: bool
    # Overdue applications that had no open overdue prompt.
    found: int
    created: int
    escalated: int
    # Open overdue prompts closed because their application no longer owes news.
    settled: int
    # Prompts due for escalation whose owner has no team lead (other than themselves) to tell.
    without_lead: int
    created_prompt_ids: tuple[int, ...] = ()
    escalated_prompt_ids: tuple[int, ...] = ()


def prompts_scan_overdue(*, now: datetime | None = None, dry_run: bool = False) -> ScanResult:
    """The keep-in-the-loop scan: settle, open, escalate.

    A constant number of queries whatever the number of applications or of overdue ones (about fifteen):
    the overdue applications are read through the next_update_due index and their prompts opened by one
    INSERT ... SELECT; the escalation pass reads the prompts that may be due, looks their stages and team
    leads up by key and escalates them in one update (plus one audit insert per team lead told). A dry
    run does all of it in a transaction that is rolled back, so it reports exactly what a run would do.
    """
    now = now or timezone.now()
    if not dry_run:
        return _scan(now=now)
    with transaction.atomic():
        result = _scan(now=now)
        transaction.set_rollback(True)
    return replace(result, dry_run=True)


def _scan(*, now: datetime) -> ScanResult:
    with transaction.atomic():
        settled = _prompts_settle_not_overdue(now=now)
        overdue = recruiting_selectors.applications_overdue(now=now)
        found = overdue.count()
        created_ids = _prompts_insert_overdue(overdue=overdue, now=now)
    if len(created_ids) >= REANALYZE_AFTER and connection.vendor == "postgresql":
        _prompts_refresh_statistics()
    with transaction.atomic():
        escalated_ids, without_lead = _prompts_escalate(now=now)
    return ScanResult(
        now=now,
        dry_run=False,
        found=found,
        created=len(created_ids),
        escalated=len(escalated_ids),
        settled=settled,
        without_lead=without_lead,
        created_prompt_ids=tuple(created_ids),
        escalated_prompt_ids=tuple(escalated_ids),
    )


def _prompts_refresh_statistics() -> None:
    """Tell the planner how many prompts are open now.

    After a large batch, and until autovacuum next analyzes the table (on a table with a long history
    that can take many batches), the planner still believes in the old, small number of open prompts:
    the overdue selector's anti-join then turns into a nested loop over all of them, seconds instead of
    milliseconds at 10,000 open prompts. Only the two columns the open-prompt predicate reads, from a
    small sample: enough for their null fraction and the few reasons, at a few milliseconds.
    """
    table = connection.ops.quote_name(RecruiterPrompt._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL default_statistics_target = 10")
        cursor.execute(f"ANALYZE {table} (reason, resolved_at)")


def _prompts_settle_not_overdue(*, now: datetime) -> int:
    """Close the open overdue prompts whose application no longer owes news (closed, do-not-contact, or
    its next update moved later).

    Written as "no overdue application behind it" rather than as a join on the application's clock: the
    planner then reads the few overdue applications through the next_update_due index instead of the
    whole applications table, whatever its size.
    """
    still_overdue = Application.objects.filter(pk=OuterRef("application_id"), next_update_due__lte=now)
    stale = (
        RecruiterPrompt.objects.filter(reason=Reason.OVERDUE, resolved_at__isnull=True)
        .filter(~Exists(still_overdue))
        .annotate(
            next_update_due=Subquery(
                Application.objects.filter(pk=OuterRef("application_id")).values("next_update_due")
            )
        )
    )
    rows = list(stale.select_for_update(skip_locked=True, of=("self",)).values_list("pk", "next_update_due"))
    if not rows:
        return 0
    closed = [pk for pk, due in rows if due is None]
    moved = [pk for pk, due in rows if due is not None]
    RecruiterPrompt.objects.filter(pk__in=[pk for pk, _ in rows]).update(
        resolved_at=now,
        resolution=Case(When(pk__in=closed, then=Value(SETTLED_CLOSED)), default=Value(SETTLED_CLOCK_MOVED)),
    )
    for ids, resolution in ((closed, SETTLED_CLOSED), (moved, SETTLED_CLOCK_MOVED)):
        audit_log_record_many(
            actor=None,
            action="prompt.settle",
            model=RecruiterPrompt,
            object_ids=ids,
            details={"resolution": resolution},
        )
    return len(rows)


def _prompts_insert_overdue(*, overdue: QuerySet[Application], now: datetime) -> list[int]:
    """Open one overdue prompt per application of `overdue`, skipping any that already has one open.

    One INSERT ... SELECT over the selector's own query: the rows never travel to Python and back. Raw
    SQL for ON CONFLICT DO NOTHING ... RETURNING: bulk_create(ignore_conflicts=True) cannot say which rows
    it inserted, and the audit trail and the scan's report need exactly those.
    """
    rows = overdue.values_list(
        "pk",
        "owner_id",
        "next_update_due",
        Value(Reason.OVERDUE.value),
        Value(""),
        Value(now, output_field=DateTimeField()),
        Value(""),
        Value(""),
    )
    select_sql, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(RecruiterPrompt._meta.db_table)
    columns = "application_id, recruiter_id, due_at, reason, detail, created_at, snooze_reason, resolution"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) {select_sql} ON CONFLICT DO NOTHING RETURNING id",  # noqa: S608 (names from the models, values bound)
            params,
        )
        inserted = cursor.fetchall()
    created = [pk for (pk,) in inserted]
    audit_log_record_many(
        actor=None,
        action="prompt.open",
        model=RecruiterPrompt,
        object_ids=created,
        details={"reason": Reason.OVERDUE.value, "scan": now.isoformat()},
    )
    return created


def _prompts_escalate(*, now: datetime) -> tuple[list[int], int]:
    """Escalate open overdue prompts past the stage's escalate-after business days to the team lead.

    Returns the escalated prompt ids and how many were due but have no lead (other than the owner) to tell.
    """
    policies = recruiting_selectors.stage_policies()
    # k business days are at least k calendar days: prompts younger than the shortest delay of any
    # stage cannot be due, so the database leaves them out (the hour covers a change of clocks).
    shortest = min(stage_policy.escalate_after_business_days for stage_policy in policies.values())
    cutoff = now - timedelta(days=shortest) + timedelta(hours=1) if shortest else now
    candidates = list(
        RecruiterPrompt.objects.filter(
            reason=Reason.OVERDUE, resolved_at__isnull=True, escalated_at__isnull=True, due_at__lte=cutoff
        )
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=cutoff))
        # Subqueries rather than joins: probed by key for each prompt, they never lead the planner to
        # read the whole applications table, however many prompts there are.
        .annotate(
            stage=Subquery(Application.objects.filter(pk=OuterRef("application_id")).values("stage")),
            lead_id=Subquery(RecruiterProfile.objects.filter(user_id=OuterRef("recruiter_id")).values("team__lead_id")),
        )
        .values_list("pk", "due_at", "snoozed_until", "stage", "recruiter_id", "lead_id")
    )
    if not candidates:
        return [], 0
    holidays = recruiting_selectors.firm_holidays()
    tz = recruiting_selectors.firm_time_zone()
    lead_of_recruiter: dict[int, int] = {}
    recruiter_of: dict[int, int] = {}
    without_lead = 0
    for pk, due_at, snoozed_until, stage, recruiter_id, lead_id in candidates:
        stage_policy = policies.get(stage)
        if stage_policy is None:
            continue
        # After a snooze the recruiter gets the full escalate-after period again.
        start = max(due_at, snoozed_until) if snoozed_until else due_at
        if policy.escalation_due(prompt_due_at=start, policy=stage_policy, tz=tz, holidays=holidays) > now:
            continue
        if lead_id is None or lead_id == recruiter_id:
            without_lead += 1
            continue
        lead_of_recruiter[recruiter_id] = lead_id
        recruiter_of[pk] = recruiter_id
    if not recruiter_of:
        return [], without_lead
    locked = list(
        RecruiterPrompt.objects.select_for_update(skip_locked=True)
        .filter(pk__in=list(recruiter_of), escalated_at__isnull=True, resolved_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not locked:
        return [], without_lead
    RecruiterPrompt.objects.filter(pk__in=locked, escalated_at__isnull=True).update(
        escalated_at=now,
        escalated_to_id=Case(
            *(When(recruiter_id=recruiter_id, then=Value(lead)) for recruiter_id, lead in lead_of_recruiter.items())
        ),
    )
    # One audit insert per team lead told: as many as there are leads, whatever the number of prompts.
    escalated_to_lead: dict[int, list[int]] = defaultdict(list)
    for pk in locked:
        escalated_to_lead[lead_of_recruiter[recruiter_of[pk]]].append(pk)
    for lead, ids in escalated_to_lead.items():
        audit_log_record_many(
            actor=None, action="prompt.escalate", model=RecruiterPrompt, object_ids=ids, details={"to": lead}
        )
    return locked, without_lead
