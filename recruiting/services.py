"""Every write to the pipeline. Keyword-only, typed, atomic, audited; each recomputes the clock."""

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from . import policy, selectors
from .models import (
    ACTIVE_STAGES,
    CLOSED_STAGES,
    Application,
    AuditLog,
    ContactEvent,
    Job,
    Stage,
    StageChange,
    allowed_transitions,
)
from .permissions import ensure_can_act

User = AbstractBaseUser


def audit_log_record(*, actor: User | None, action: str, obj: models.Model, details: dict | None = None) -> AuditLog:
    """One audit row; call it inside the transaction of the change it records."""
    return AuditLog.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        details=details or {},
    )


def audit_log_record_many(
    *,
    actor: User | None,
    action: str,
    model: type[models.Model],
    object_ids: Iterable[int],
    details: dict | None = None,
) -> int:
    """One audit row per object of a bulk change (same actor, action and details), in one insert."""
    same = details or {}
    return audit_log_record_each(actor=actor, action=action, model=model, entries=[(pk, same) for pk in object_ids])


def audit_log_record_each(
    *, actor: User | None, action: str, model: type[models.Model], entries: Sequence[tuple[int, dict]]
) -> int:
    """One audit row per (object id, details) of a bulk change, in one insert.

    Call it inside the transaction of the change. On PostgreSQL it is a single INSERT ... SELECT over
    unnest(): quoting thousands of model instances for bulk_create costs ten times as much, and the
    overdue scan records thousands of prompts at once. Details shared by many rows are serialised once.
    """
    if not entries:
        return 0
    serialised: dict[int, str] = {}

    def as_json(details: dict) -> str:
        if id(details) not in serialised:
            serialised[id(details)] = json.dumps(details, cls=DjangoJSONEncoder)
        return serialised[id(details)]

    label = model._meta.label_lower
    at = timezone.now()
    if connection.vendor == "postgresql":
        columns = ", ".join(
            connection.ops.quote_name(AuditLog._meta.get_field(name).column)
            for name in ("actor", "action", "object_type", "object_id", "at", "details")
        )
        texts = [as_json(details) for _pk, details in entries]
        # One details value for every row (the overdue scan's thousands of prompts) is sent once.
        details_sql, details_value = ("%s::jsonb", texts[0]) if len(serialised) == 1 else ("unnest(%s::jsonb[])", texts)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(AuditLog._meta.db_table)} ({columns}) "  # noqa: S608 (names from the model)
                f"SELECT %s, %s, %s, unnest(%s::bigint[]), %s, {details_sql}",
                [actor.pk if actor else None, action, label, [pk for pk, _details in entries], at, details_value],
            )
    else:
        AuditLog.objects.bulk_create(
            AuditLog(actor=actor, action=action, object_type=label, object_id=pk, at=at, details=details)
            for pk, details in entries
        )
    return len(entries)


def _clock_due(
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
        tz=selectors.firm_time_zone(),
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
    application.next_update_due = _clock_due(application, policies=policies, holidays=holidays)
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
                due = _clock_due(application, policies=policies, holidays=holidays)
                if due != application.next_update_due:
                    application.next_update_due = due
                    moved.append(application)
            _applications_clock_save(moved)
            changed += len(moved)
    with transaction.atomic():
        AuditLog.objects.create(
            actor=by,
            action="clocks.recompute",
            object_type=cause,
            object_id=cause_id,
            details={"reason": reason, "changed": changed},
        )
    return changed


def _check_promised_date(next_step_date: date | None) -> None:
    if next_step_date is not None and next_step_date < timezone.localdate(timezone=selectors.firm_time_zone()):
        raise ValidationError({"next_step_date": "The promised next-step date cannot be in the past."})


def _outbox():
    # Imported late: notifications builds on the pipeline, and the pipeline hands it stage changes.
    from notifications.services import outbox

    return outbox


def _prompts():
    from notifications.services import prompts

    return prompts


@transaction.atomic
def application_create(
    *,
    candidate,
    job: Job,
    by: User | None,
    owner: User | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Application:
    """A candidate applies (or is sourced) for a job: stage new, clock started, acknowledgment queued."""
    if job.status != Job.Status.OPEN:
        raise ValidationError({"job": "This job is not open for new applications."})
    if Application.objects.filter(candidate=candidate, job=job).exists():
        raise ValidationError({"job": "This candidate already has an application for this job."})
    at = at or timezone.now()
    application = Application(
        candidate=candidate,
        job=job,
        owner=owner or candidate.owner,
        stage=Stage.NEW,
        stage_entered_at=at,
        created_at=at,
    )
    application.full_clean(validate_unique=False, validate_constraints=False)
    application.save()
    stage_change = StageChange.objects.create(
        application=application, from_stage="", to_stage=Stage.NEW, by=by, at=at, notify=notify
    )
    audit_log_record(actor=by, action="application.create", obj=application, details={"job": job.pk})
    application_clock_recompute(application=application)
    _outbox().stage_change_notify(stage_change=stage_change, by=by)
    return application


@transaction.atomic
def application_move(
    *,
    application: Application,
    to_stage: str,
    by: User | None,
    note: str = "",
    next_step_date: date | None = None,
    notify: bool = True,
) -> StageChange:
    """Move an application to another stage: checked, recorded, audited, clock recomputed, email queued."""
    application = (
        Application.objects.select_for_update(of=("self", "candidate"))
        # What the candidate's email is written from, read with the application.
        .select_related("candidate", "job__client", "owner__profile")
        .get(pk=application.pk)
    )
    ensure_can_act(by, application.owner_id)
    application_transition_check(application, to_stage)
    _check_promised_date(next_step_date)
    return applications_move_locked(
        applications=[application],
        to_stage=to_stage,
        by=by,
        note=note,
        next_step_date=next_step_date,
        notify=notify,
        action="application.move",
    )[0]


def application_transition_check(application: Application, to_stage: str) -> None:
    """Refuse a move the pipeline does not allow (allowed_transitions), with a message for the recruiter."""
    if to_stage == application.stage:
        raise ValidationError({"to_stage": f"The application is already in {Stage(to_stage).label}."})
    if to_stage not in allowed_transitions(application.stage):
        if application.stage in CLOSED_STAGES:
            message = f"The application is closed ({Stage(application.stage).label}); reopen it first."
        else:
            message = f"An application cannot move from {Stage(application.stage).label} to {Stage(to_stage).label}."
        raise ValidationError({"to_stage": message})


def applications_move_locked(
    *,
    applications: list[Application],
    to_stage: str,
    by: User | None,
    note: str,
    next_step_date: date | None,
    notify: bool,
    action: str,
    policies: dict[str, policy.SilencePolicy] | None = None,
    holidays: frozenset[date] | None = None,
) -> list[StageChange]:
    """Move applications to `to_stage`; one stage change each. The caller has locked them and checked
    each move (application_transition_check), as application_move and a job's closing do.

    A constant number of queries whatever the number of applications: their stage, closing and clock
    in one update (a second when their clocks differ), the stage changes in one insert, the audit rows
    in one, and what the changes owe the candidates (messages, prompts) from the outbox's batch form.
    One move is the batch of one.
    """
    if not applications:
        return []
    now = timezone.now()
    from_stages = [application.stage for application in applications]
    if to_stage in ACTIVE_STAGES:
        policies = policies if policies is not None else selectors.stage_policies()
        holidays = holidays if holidays is not None else selectors.firm_holidays()
    for application in applications:
        application.stage = to_stage
        application.stage_entered_at = now
        application.promised_next_step_date = next_step_date
        application.closed_at = now if to_stage in CLOSED_STAGES else None
        application.next_update_due = _clock_due(application, policies=policies, holidays=holidays)
    dues = {application.next_update_due for application in applications}
    # One move, or closed applications (they all leave the clock), share one value; otherwise each
    # application's own clock is written after the common columns.
    shared = {"next_update_due": dues.pop()} if len(dues) == 1 else {}
    Application.objects.filter(pk__in=[application.pk for application in applications]).update(
        stage=to_stage,
        stage_entered_at=now,
        promised_next_step_date=next_step_date,
        closed_at=now if to_stage in CLOSED_STAGES else None,
        **shared,
    )
    if not shared:
        _applications_clock_save(applications)
    stage_changes = StageChange.objects.bulk_create(
        [
            StageChange(
                application=application,
                from_stage=from_stage,
                to_stage=to_stage,
                by=by,
                at=now,
                note=note,
                next_step_date=next_step_date,
                notify=notify,
            )
            for application, from_stage in zip(applications, from_stages, strict=True)
        ]
    )
    audit_log_record_each(
        actor=by,
        action=action,
        model=Application,
        entries=[
            (
                application.pk,
                {"from": from_stage, "to": to_stage, "notify": notify, "next_step_date": str(next_step_date or "")},
            )
            for application, from_stage in zip(applications, from_stages, strict=True)
        ],
    )
    _outbox().stage_changes_notify(stage_changes=stage_changes, by=by, holidays=holidays)
    return stage_changes


@transaction.atomic
def application_reopen(
    *, application: Application, by: User | None, to_stage: str | None = None, note: str = ""
) -> StageChange:
    """Bring a closed application back into the pipeline, by default to the stage it was closed from."""
    application = Application.objects.select_for_update().select_related("candidate").get(pk=application.pk)
    ensure_can_act(by, application.owner_id)
    if application.stage not in CLOSED_STAGES:
        raise ValidationError({"to_stage": "Only a closed application can be reopened."})
    if to_stage is None:
        last_close = application.stage_changes.filter(to_stage=application.stage).order_by("-at", "-id").first()
        to_stage = last_close.from_stage if last_close and last_close.from_stage in ACTIVE_STAGES else Stage.NEW
    if to_stage not in ACTIVE_STAGES:
        raise ValidationError({"to_stage": "An application can only be reopened into an open stage."})
    return applications_move_locked(
        applications=[application],
        to_stage=to_stage,
        by=by,
        note=note,
        next_step_date=None,
        notify=False,
        action="application.reopen",
    )[0]


@transaction.atomic
def application_promise_set(
    *, application: Application, next_step_date: date | None, by: User | None, note: str = ""
) -> Application:
    """Record (or clear) the next-step date promised to the candidate; the clock follows it."""
    application = Application.objects.select_for_update().select_related("candidate").get(pk=application.pk)
    ensure_can_act(by, application.owner_id)
    if application.stage not in ACTIVE_STAGES:
        raise ValidationError({"next_step_date": "A closed application has no next step."})
    _check_promised_date(next_step_date)
    application.promised_next_step_date = next_step_date
    application.save(update_fields=["promised_next_step_date"])
    application_clock_recompute(application=application)
    audit_log_record(
        actor=by,
        action="application.promise",
        obj=application,
        details={"next_step_date": str(next_step_date or ""), "note": note},
    )
    return application


@transaction.atomic
def contact_log(
    *,
    application: Application,
    channel: str,
    direction: str,
    by: User | None,
    summary: str = "",
    at: datetime | None = None,
) -> ContactEvent:
    """Record a call, meeting, email or note. Telling the candidate something resets their clock.

    Emails the outbox sent are recorded by contact_log_emails_sent, a group at a time.
    """
    now = timezone.now()
    at = at or now
    if at > now:
        raise ValidationError({"at": "A contact cannot be logged in the future."})
    application = Application.objects.select_for_update().select_related("candidate").get(pk=application.pk)
    ensure_can_act(by, application.owner_id)
    contact = ContactEvent(application=application, channel=channel, direction=direction, by=by, at=at, summary=summary)
    contact.full_clean(validate_unique=False)
    contact.save()
    if contact.informs_candidate:
        if application.last_informed_at is None or at > application.last_informed_at:
            application.last_informed_at = at
            application.save(update_fields=["last_informed_at"])
        application_clock_recompute(application=application)
        _prompts().prompts_resolve_on_contacts(contacts=[contact])
    audit_log_record(
        actor=by,
        action="contact.log",
        obj=application,
        details={"contact": contact.pk, "channel": channel, "direction": direction},
    )
    return contact


def _applications_clock_save(applications: list[Application]) -> None:
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


class EmailSent(NamedTuple):
    """An outbox message that left for the candidate of an application."""

    application_id: int
    outbound_message_id: int
    summary: str


@transaction.atomic
def contact_log_emails_sent(*, emails: Sequence[EmailSent], at: datetime) -> list[ContactEvent]:
    """What contact_log does for an outbound email, for a group of sent outbox messages at once.

    Each becomes an email contact on its application's timeline; each application's last_informed_at
    and clock are reset (stage policies and holidays read once for the group, one update), the prompts
    the contact settles are resolved and everything is audited, in a constant number of queries. The
    outbox records its sent messages this way, a group at a time.
    """
    if not emails:
        return []
    applications = {
        application.pk: application
        for application in Application.objects.select_for_update(of=("self",))
        .select_related("candidate")
        .filter(pk__in={email.application_id for email in emails})
        .order_by("pk")
    }
    # Built from the rows just read and locked, not from input: no full_clean and its foreign-key reads.
    # An application deleted since its message left has no timeline to write on.
    emails = [email for email in emails if email.application_id in applications]
    contacts = ContactEvent.objects.bulk_create(
        ContactEvent(
            application=applications[email.application_id],
            channel=ContactEvent.Channel.EMAIL,
            direction=ContactEvent.Direction.OUTBOUND,
            by=None,
            at=at,
            summary=email.summary,
            message_id=email.outbound_message_id,
        )
        for email in emails
    )
    policies, holidays = selectors.stage_policies(), selectors.firm_holidays()
    for application in applications.values():
        if application.last_informed_at is None or at > application.last_informed_at:
            application.last_informed_at = at
        application.next_update_due = _clock_due(application, policies=policies, holidays=holidays)
    _applications_clock_save(list(applications.values()))
    _prompts().prompts_resolve_on_contacts(contacts=contacts)
    audit_log_record_each(
        actor=None,
        action="contact.log",
        model=Application,
        entries=[
            (contact.application_id, {"contact": contact.pk, "channel": "email", "direction": "outbound"})
            for contact in contacts
        ],
    )
    return contacts


@transaction.atomic
def application_reassign(*, application: Application, owner: User, by: User | None) -> Application:
    """Give an application to another recruiter; their open prompts follow it."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    ensure_can_act(by, application.owner_id)
    previous = application.owner_id
    application.owner = owner
    application.save(update_fields=["owner"])
    _prompts().prompts_reassign(application=application, to_user=owner)
    audit_log_record(
        actor=by, action="application.reassign", obj=application, details={"from": previous, "to": owner.pk}
    )
    return application
