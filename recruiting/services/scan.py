"""The keep-in-the-loop scan (product.md rule 4), a beat job: settle, open, escalate.

It opens one overdue prompt per application whose next update is due, settles the ones whose
application no longer owes news, and tells the owner's team lead about prompts left open too long.
Every step is safe to run twice or twice at once: the partial unique index
`one_open_prompt_per_application_and_reason` refuses a second open prompt, and escalation is a
conditional update of rows locked with SKIP LOCKED.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from .. import calendar, policy, selectors
from ..audit import audit_log_record_many
from ..models import Application, RecruiterProfile, RecruiterPrompt
from .prompts import SETTLED_CLOCK_MOVED, SETTLED_CLOSED, Reason

# A reply owed on a closed application (no stage policy) escalates after the default delay.
CLOSED_STAGE_POLICY = policy.SilencePolicy(max_silent_business_days=0)
# A scan that opens at least this many prompts refreshes the table's planner statistics.
REANALYZE_AFTER = 500


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
        overdue = selectors.applications_overdue(now=now)
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
    """Escalate open overdue prompts, and replies owed, past the stage's escalate-after business days to
    the team lead (a reply owed on a closed application waits the default number of days).

    Returns the escalated prompt ids and how many were due but have no lead (other than the owner) to tell.
    """
    policies = selectors.stage_policies()
    # k business days are at least k calendar days: prompts younger than the shortest delay of any
    # stage cannot be due, so the database leaves them out (the hour covers a change of clocks).
    shortest = min(
        stage_policy.escalate_after_business_days for stage_policy in (*policies.values(), CLOSED_STAGE_POLICY)
    )
    cutoff = now - timedelta(days=shortest) + timedelta(hours=1) if shortest else now
    candidates = list(
        RecruiterPrompt.objects.filter(
            # One arm per reason, so that each is read through its own partial index (an IN would use neither).
            Q(reason=Reason.OVERDUE) | Q(reason=Reason.REPLY_OWED),
            resolved_at__isnull=True,
            escalated_at__isnull=True,
            due_at__lte=cutoff,
        )
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=cutoff))
        # Subqueries rather than joins: probed by key for each prompt, they never lead the planner to
        # read the whole applications table, however many prompts there are.
        .annotate(
            stage=Subquery(Application.objects.filter(pk=OuterRef("application_id")).values("stage")),
            lead_id=Subquery(RecruiterProfile.objects.filter(user_id=OuterRef("recruiter_id")).values("team__lead_id")),
        )
        .values_list("pk", "reason", "due_at", "snoozed_until", "stage", "recruiter_id", "lead_id")
    )
    if not candidates:
        return [], 0
    holidays = selectors.firm_holidays()
    tz = calendar.firm_time_zone()
    lead_of_recruiter: dict[int, int] = {}
    recruiter_of: dict[int, int] = {}
    without_lead = 0
    for pk, reason, due_at, snoozed_until, stage, recruiter_id, lead_id in candidates:
        stage_policy = policies.get(stage, CLOSED_STAGE_POLICY if reason == Reason.REPLY_OWED else None)
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
