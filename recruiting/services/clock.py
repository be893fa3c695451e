"""The keep-in-the-loop clock of each application: when is the candidate next owed news.

`Application.next_update_due` (the owner's prompt) and the later steps of the same schedule,
`escalate_at` and `safety_net_at` (policy.silence_schedule), are written here and nowhere else: by a stage
move, a contact, a promise, a preference change (each through its service, which calls
application_clock_recompute or writes a batch with applications_clock_save), and by clocks_recompute
after a stage policy or firm holiday changed.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction

from recruiting import calendar, policy, selectors
from recruiting.audit import audit_log_record_for
from recruiting.models import ACTIVE_STAGES, Application

User = AbstractBaseUser


def safety_net_hold(candidate) -> timedelta:
    """How long before its latest moment the safety net acts: the hold of its email for a candidate who
    gets automated email; for any other, the time a person needs to call (PERSONAL_CONTACT_LEAD)."""
    if candidate.accepts_automated_messages:
        return timedelta(minutes=settings.INLOOP_HOLD_MINUTES)
    return policy.PERSONAL_CONTACT_LEAD


def safety_net_window(candidate, holidays: frozenset[date]) -> policy.SendWindow:
    return policy.SendWindow(
        tz=calendar.zone(candidate.time_zone), hours=settings.INLOOP_BUSINESS_HOURS, holidays=holidays
    )


def clock_schedule(
    application: Application,
    *,
    policies: dict[str, policy.SilencePolicy] | None = None,
    holidays: frozenset[date] | None = None,
) -> policy.SilenceSchedule | None:
    """The application's schedule since its candidate was last told something; None when nothing is owed."""
    if application.stage not in ACTIVE_STAGES or application.candidate.do_not_contact:
        return None
    policies = policies if policies is not None else selectors.stage_policies()
    holidays = holidays if holidays is not None else selectors.firm_holidays()
    candidate = application.candidate
    return policy.silence_schedule(
        last_informed_at=application.last_informed_at or application.created_at,
        policy=policies[application.stage],
        tz=calendar.firm_time_zone(),
        promised_date=application.promised_next_step_date,
        holidays=holidays,
        hold=safety_net_hold(candidate),
        window=safety_net_window(candidate, holidays),
    )


def clock_set(
    application: Application,
    *,
    policies: dict[str, policy.SilencePolicy] | None = None,
    holidays: frozenset[date] | None = None,
) -> bool:
    """Set the application's three steps (not saved); True when any of them changed."""
    schedule = clock_schedule(application, policies=policies, holidays=holidays)
    steps = (
        (None, None, None) if schedule is None else (schedule.prompt_at, schedule.escalate_at, schedule.safety_net_at)
    )
    before = (application.next_update_due, application.escalate_at, application.safety_net_at)
    application.next_update_due, application.escalate_at, application.safety_net_at = steps
    return steps != before


def application_clock_recompute(
    *,
    application: Application,
    policies: dict[str, policy.SilencePolicy] | None = None,
    holidays: frozenset[date] | None = None,
) -> datetime | None:
    """Recompute and save the schedule; returns next_update_due (None when no update is owed)."""
    clock_set(application, policies=policies, holidays=holidays)
    Application.objects.filter(pk=application.pk).update(
        next_update_due=application.next_update_due,
        escalate_at=application.escalate_at,
        safety_net_at=application.safety_net_at,
    )
    return application.next_update_due


CLOCKS_RECOMPUTE_BATCH = 1000


def clocks_recompute(
    *, by: User | None, cause: str, cause_id: int, reason: str, batch_size: int = CLOCKS_RECOMPUTE_BATCH
) -> int:
    """Recompute every active application's clock after a stage policy or a firm holiday changed.

    `cause` and `cause_id` name the edited row (say "recruiting.firmholiday" and its id), for the audit
    row; the row itself may be gone (a deleted holiday).

    Policies and holidays are read once; the applications are walked by primary key in batches, each
    locked and rewritten in its own transaction, so that a contact logged meanwhile is never overwritten
    with a stale date. Returns how many next-update dates changed; the next overdue scan opens or settles
    prompts to match.
    """
    policies = selectors.stage_policies()
    holidays = selectors.firm_holidays()
    active = (
        Application.objects.filter(stage__in=ACTIVE_STAGES)
        .select_related("candidate")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    changed, after = 0, 0
    while True:
        with transaction.atomic():
            batch = list(active.filter(pk__gt=after)[:batch_size])
            if not batch:
                break
            after = batch[-1].pk
            moved = []
            for application in batch:
                if clock_set(application, policies=policies, holidays=holidays):
                    moved.append(application)
            applications_clock_save(moved)
            changed += len(moved)
    with transaction.atomic():
        audit_log_record_for(
            actor=by,
            action="clocks.recompute",
            object_type=cause,
            object_id=cause_id,
            details={"reason": reason, "changed": changed},
        )
    return changed


CLOCK_FIELDS = ["last_informed_at", "next_update_due", "escalate_at", "safety_net_at"]


def applications_clock_save(applications: list[Application]) -> None:
    """Write the applications' last_informed_at and schedule, each its own values, in one update.

    On PostgreSQL an UPDATE ... FROM unnest(): bulk_update's CASE per row and column costs the outbox's
    worker more time to build than the database takes to run it.
    """
    if not applications:
        return
    if connection.vendor != "postgresql":
        Application.objects.bulk_update(applications, CLOCK_FIELDS)
        return
    table = connection.ops.quote_name(Application._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_informed_at = clock.informed, next_update_due = clock.due, "  # noqa: S608 (names from the model)
            "escalate_at = clock.escalate, safety_net_at = clock.safety_net "
            "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::timestamptz[]) AS informed, "
            "unnest(%s::timestamptz[]) AS due, unnest(%s::timestamptz[]) AS escalate, "
            f"unnest(%s::timestamptz[]) AS safety_net) AS clock WHERE {table}.id = clock.id",
            [[application.pk for application in applications]]
            + [[getattr(application, field) for application in applications] for field in CLOCK_FIELDS],
        )
