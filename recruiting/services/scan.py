"""The keep-in-the-loop scan (docs/rules.md#silence-cap), a beat job: settle, open, escalate, safety net.

It opens one overdue prompt per application whose next update is due, settles the prompts of applications that owe
nothing any more, tells the team lead about prompts whose step has come, and acts on every safety net that is due.
Every step is safe to run twice or twice at once (partial unique indexes, rows locked with SKIP LOCKED, a safety net
acted on only by the scan that inserted its row). The schedule it follows: "The schedule of a silent candidate" in
docs/architecture.md.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from recruiting import calendar, events, policy, selectors
from recruiting.audit import audit_log_record_many
from recruiting.models import (
    ESCALATING_REASONS,
    Application,
    RecruiterProfile,
    RecruiterPrompt,
    SafetyNet,
)
from recruiting.services.clock import safety_net_hold, safety_net_window
from recruiting.services.prompts import SETTLED_CLOSED, Reason, prompts_open_many

# A scan that opens at least this many prompts refreshes the table's planner statistics.
REANALYZE_AFTER = 500

SAFETY_NET_DETAIL = (
    "Nearly two weeks without news, and no automated email can reach this candidate: "
    "call them, or write to them yourself, today."
)


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
    # Safety nets acted on: messages written to go, and prompts to call (escalated at once).
    safety_net_messages: int = 0
    safety_net_calls: int = 0
    created_prompt_ids: tuple[int, ...] = ()
    escalated_prompt_ids: tuple[int, ...] = ()


def prompts_scan_overdue(*, now: datetime | None = None, dry_run: bool = False) -> ScanResult:
    """The keep-in-the-loop scan: settle, open, escalate, safety net.

    A constant number of queries whatever the number of applications or of overdue ones (about twenty):
    the overdue applications are read through the next_update_due index and their prompts opened by one
    INSERT ... SELECT; the escalation pass reads the prompts whose step has come with their team leads
    and escalates them in one update (plus one audit insert per team lead told); the safety-net pass
    reads the applications through the safety_net_at index, claims their silences in one insert and
    writes their messages or prompts in bulk. A dry run does all of it in a transaction that is rolled
    back, so it reports exactly what a run would do.
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
        settled = _prompts_settle_not_owed(now=now)
        overdue = selectors.applications_overdue(now=now)
        found = overdue.count()
        created_ids = _prompts_insert_overdue(overdue=overdue, now=now)
    if len(created_ids) >= REANALYZE_AFTER and connection.vendor == "postgresql":
        _prompts_refresh_statistics()
    with transaction.atomic():
        escalated_ids, without_lead = _prompts_escalate(now=now)
    with transaction.atomic():
        messages, calls = _safety_nets_act(now=now)
    return ScanResult(
        now=now,
        dry_run=False,
        found=found,
        created=len(created_ids),
        escalated=len(escalated_ids),
        settled=settled,
        without_lead=without_lead,
        safety_net_messages=messages,
        safety_net_calls=calls,
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


def _prompts_settle_not_owed(*, now: datetime) -> int:
    """Close the open overdue and safety-net prompts whose application no longer owes news: closed, or a
    candidate who asked not to be contacted (its schedule is null).

    Only that: a clock that moved later without anyone telling the candidate (a stage move whose email
    was suppressed, cancelled or is still held, a promise recorded) leaves the prompt open; telling the
    candidate settles it (contacts.prompts_resolve_on_contacts). Each open prompt's application is
    probed by key, so the cost follows the number of open prompts, not of applications.
    """
    owed = Application.objects.filter(pk=OuterRef("application_id"), next_update_due__isnull=False)
    stale = RecruiterPrompt.objects.filter(
        reason__in=(Reason.OVERDUE, Reason.SAFETY_NET), resolved_at__isnull=True
    ).filter(~Exists(owed))
    ids = list(stale.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True))
    if not ids:
        return 0
    RecruiterPrompt.objects.filter(pk__in=ids).update(resolved_at=now, resolution=SETTLED_CLOSED)
    audit_log_record_many(
        actor=None,
        action="prompt.settle",
        model=RecruiterPrompt,
        object_ids=ids,
        details={"resolution": SETTLED_CLOSED},
    )
    return len(ids)


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
    if created:
        events.publish(events.PromptsOpened(prompt_ids=created, reason=Reason.OVERDUE, by=None, at=now))
    return created


def _prompts_escalate(*, now: datetime) -> tuple[list[int], int]:
    """Tell the team lead about open prompts whose step has come and that nobody has snoozed past now.

    An overdue prompt escalates at its application's escalate_at (the schedule's second step, which
    follows the clock: a bounce that un-tells the candidate brings it earlier); a feedback-owed or
    failed-delivery prompt at its own escalate_at. A snooze holds the escalation until it ends (and a
    snooze never reaches past the safety net). Returns the escalated prompt ids and how many were due but
    have no lead (other than the owner) to tell.
    """
    # The applications whose step has come are read through their escalate_at index and matched by key:
    # probing the application of each open overdue prompt (thousands right after a scan opened them)
    # cost more than the rest of the pass.
    escalating = Application.objects.filter(escalate_at__lte=now).values("pk")
    step_due = Q(reason=Reason.OVERDUE, application__in=escalating) | Q(~Q(reason=Reason.OVERDUE), escalate_at__lte=now)
    due = list(
        RecruiterPrompt.objects.filter(
            reason__in=ESCALATING_REASONS, resolved_at__isnull=True, escalated_at__isnull=True
        )
        .filter(step_due)
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now))
        .annotate(
            lead_id=Subquery(RecruiterProfile.objects.filter(user_id=OuterRef("recruiter_id")).values("team__lead_id"))
        )
        .values_list("pk", "recruiter_id", "lead_id")
    )
    lead_of_recruiter: dict[int, int] = {}
    recruiter_of: dict[int, int] = {}
    without_lead = 0
    for pk, recruiter_id, lead_id in due:
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
    _prompts_escalate_to_leads(prompt_ids=locked, lead_of_recruiter=lead_of_recruiter, now=now)
    # One audit insert per team lead told: as many as there are leads, whatever the number of prompts.
    escalated_to_lead: dict[int, list[int]] = defaultdict(list)
    for pk in locked:
        escalated_to_lead[lead_of_recruiter[recruiter_of[pk]]].append(pk)
    for lead, ids in escalated_to_lead.items():
        audit_log_record_many(
            actor=None, action="prompt.escalate", model=RecruiterPrompt, object_ids=ids, details={"to": lead}
        )
    to_lead = {pk: lead_of_recruiter[recruiter_of[pk]] for pk in locked}
    events.publish(events.PromptsEscalated(to_lead=to_lead, by=None, at=now))
    return locked, without_lead


def _prompts_escalate_to_leads(*, prompt_ids: list[int], lead_of_recruiter: dict[int, int], now: datetime) -> None:
    RecruiterPrompt.objects.filter(pk__in=prompt_ids, escalated_at__isnull=True).update(
        escalated_at=now,
        escalated_to_id=Case(
            *(When(recruiter_id=recruiter_id, then=Value(lead)) for recruiter_id, lead in lead_of_recruiter.items()),
            default=Value(None),
        ),
    )


def _safety_nets_claim(*, now: datetime) -> list[Application]:
    """The applications whose safety net is due and was not acted on for their current silence, claimed:
    one row each in SafetyNet, inserted ON CONFLICT DO NOTHING, so that of two scans at once only the
    one that inserted a row acts on it (_safety_nets_insert). Loaded with what their message is written from."""
    silence_started = Coalesce("last_informed_at", "created_at")
    acted = SafetyNet.objects.filter(application=OuterRef("pk"), silence_started_at=OuterRef("silence_started"))
    due = list(
        Application.objects.filter(safety_net_at__lte=now)
        .annotate(silence_started=silence_started)
        .filter(~Exists(acted))
        .select_related("candidate", "job__client", "owner__profile")
        .order_by("pk")
    )
    if not due:
        return []
    claimed = _safety_nets_insert(
        rows=[(application.pk, application.silence_started, _safety_net_kind(application), now) for application in due]
    )
    return [application for application in due if application.pk in claimed]


# Rows a claim inserts per statement: 4 parameters each, well under both databases' limit on parameters.
CLAIM_BATCH = 1000


def _safety_nets_insert(*, rows: list[tuple[int, datetime, str, datetime]]) -> set[int]:
    """Insert (application, silence started, kind, acted at) rows, skipping those whose silence already has
    one, and return the applications whose row this call inserted.

    Raw SQL for ON CONFLICT DO NOTHING ... RETURNING, which PostgreSQL and SQLite both speak and which says
    exactly which rows went in: bulk_create(ignore_conflicts=True) cannot. A plain multi-row VALUES list, the
    values prepared by the model's fields, so that SQLite stores datetimes as Django reads them back. Of two
    claims at once, PostgreSQL makes the second wait on the first's uncommitted row and then skip it; SQLite
    serialises writers, so the second reads the first's committed rows and skips them.
    """
    fields = [SafetyNet._meta.get_field(name) for name in ("application", "silence_started_at", "kind", "acted_at")]
    table = connection.ops.quote_name(SafetyNet._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    claimed: set[int] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CLAIM_BATCH):
            batch = rows[start : start + CLAIM_BATCH]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
            params = [
                field.get_db_prep_save(value, connection)
                for row in batch
                for field, value in zip(fields, row, strict=True)
            ]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608 (names from the model, values bound)
                "ON CONFLICT DO NOTHING RETURNING application_id",
                params,
            )
            claimed.update(pk for (pk,) in cursor.fetchall())
    return claimed


def _safety_net_kind(application: Application) -> str:
    if application.candidate.accepts_automated_messages:
        return SafetyNet.Kind.MESSAGE
    return SafetyNet.Kind.PERSONAL


def _safety_nets_act(*, now: datetime) -> tuple[int, int]:
    """Act on every claimed safety net: the message where the candidate can get it, a call otherwise.

    Returns (messages written to go, prompts to call opened or escalated)."""
    claimed = _safety_nets_claim(now=now)
    if not claimed:
        return 0, 0
    holidays = selectors.firm_holidays()
    policies = selectors.stage_policies()
    tz = calendar.firm_time_zone()
    owed = []
    for application in claimed:
        if _safety_net_kind(application) != SafetyNet.Kind.MESSAGE:
            continue
        window = safety_net_window(application.candidate, holidays)
        send_at = policy.safety_net_send_time(
            queued_at=now,
            hold=safety_net_hold(application.candidate),
            last_informed_at=application.silence_started,
            window=window,
        )
        # The next real date the message may promise: the owner's step of the schedule that starts when it
        # is sent, promise spent (the message is the news).
        next_update_by = policy.next_update_due(
            last_informed_at=send_at, policy=policies[application.stage], tz=tz, holidays=holidays
        )
        owed.append(
            events.SafetyNetOwed(
                application=application,
                silence_started_at=application.silence_started,
                send_at=send_at,
                must_send_by=policy.silence_ceiling(application.silence_started) - policy.SAFETY_NET_MARGIN,
                next_update_by=next_update_by,
            )
        )
    written: set[int] = set()
    if owed:
        for answer in events.publish(events.SafetyNetsDue(owed=owed, holidays=holidays)):
            written |= answer
    calls = [application for application in claimed if application.pk not in written]
    if calls:
        SafetyNet.objects.filter(application__in=calls, kind=SafetyNet.Kind.MESSAGE).update(
            kind=SafetyNet.Kind.PERSONAL
        )
        _safety_net_calls_open(applications=calls, now=now)
    audit_log_record_many(
        actor=None,
        action="safety_net.email",  # the stored action name: kept, the audit trail reads it
        model=Application,
        object_ids=sorted(written),
        details={"scan": now.isoformat()},
    )
    message_owed = [application for application in claimed if application.pk in written]
    events.publish(events.SafetyNetsActed(message_owed=message_owed, call_asked=calls, by=None, at=now))
    return len(written), len(calls)


def _safety_net_calls_open(*, applications: list[Application], now: datetime) -> None:
    """A person must call: the owner gets a safety-net prompt due now, escalated at once to their team
    lead; the firm's admins see every open prompt, this one first in their list (it is due now).

    One open prompt per application and reason, as any prompt: a second silence of the same application
    reuses the open one."""
    opened = prompts_open_many(
        applications=applications, reason=Reason.SAFETY_NET, detail=SAFETY_NET_DETAIL, due_at=now
    )
    owners = {application.owner_id for application in applications}
    leads = dict(
        RecruiterProfile.objects.filter(user_id__in=owners, team__lead__isnull=False)
        .exclude(team__lead_id=F("user_id"))
        .values_list("user_id", "team__lead_id")
    )
    ids = [prompt.pk for prompt in opened if leads.get(prompt.recruiter_id)]
    if ids:
        _prompts_escalate_to_leads(prompt_ids=ids, lead_of_recruiter=leads, now=now)
        audit_log_record_many(
            actor=None, action="prompt.escalate", model=RecruiterPrompt, object_ids=ids, details={"safety_net": True}
        )
        to_lead = {prompt.pk: leads[prompt.recruiter_id] for prompt in opened if prompt.pk in ids}
        events.publish(events.PromptsEscalated(to_lead=to_lead, by=None, at=now))
