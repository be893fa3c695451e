"""The keep-in-the-loop clock of each application: when is the candidate next owed news.

`Application.next_update_due` is written here and nowhere else: by a stage move, a contact, a promise, a
preference change (each through its service, which calls application_clock_recompute or writes a batch
with applications_clock_save), and by clocks_recompute after a stage policy or firm holiday changed.
"""

from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction

from .. import calendar, policy, selectors
from ..audit import audit_log_record_for
from ..models import ACTIVE_STAGES, Application

User = AbstractBaseUser


def clock_due(
    application: Application,
    *,
    policies: dict[str, policy.SilencePolicy] | None = None,
    holidays: frozenset[date] | None = None,
) -> datetime | None:
    if application.stage not in ACTIVE_STAGES or application.candidate.do_not_contact:
        return None
    policies = policies if policies is not None else selectors.stage_policies()
    holidays = holidays if holidays is not None else selectors.firm_holidays()
    return policy.next_update_due(
        last_informed_at=application.last_informed_at or application.created_at,
        policy=policies[application.stage],
        tz=calendar.firm_time_zone(),
        promised_date=application.promised_next_step_date,
        holidays=holidays,
    )


def application_clock_recompute(
    *,
    application: Application,
    policies: dict[str, policy.SilencePolicy] | None = None,
    holidays: frozenset[date] | None = None,
) -> datetime | None:
    """Recompute and save next_update_due (None when no update is owed)."""
    application.next_update_due = clock_due(application, policies=policies, holidays=holidays)
    Application.objects.filter(pk=application.pk).update(next_update_due=application.next_update_due)
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
                due = clock_due(application, policies=policies, holidays=holidays)
                if due != application.next_update_due:
                    application.next_update_due = due
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


def applications_clock_save(applications: list[Application]) -> None:
    """Write the applications' last_informed_at and next_update_due, each its own values, in one update.

    On PostgreSQL an UPDATE ... FROM unnest(): bulk_update's CASE per row and column costs the outbox's
    worker more time to build than the database takes to run it.
    """
    if not applications:
        return
    if connection.vendor != "postgresql":
        Application.objects.bulk_update(applications, ["last_informed_at", "next_update_due"])
        return
    table = connection.ops.quote_name(Application._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_informed_at = clock.informed, next_update_due = clock.due "  # noqa: S608 (names from the model)
            "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::timestamptz[]) AS informed, "
            f"unnest(%s::timestamptz[]) AS due) AS clock WHERE {table}.id = clock.id",
            [
                [application.pk for application in applications],
                [application.last_informed_at for application in applications],
                [application.next_update_due for application in applications],
            ],
        )
