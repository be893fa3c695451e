"""Applications through the pipeline: created, moved, reopened, promised a date, reassigned.

Keyword-only, typed, atomic, audited; each recomputes the clock. A batch of stage changes is handed to
the layers above as an event (recruiting.events.ApplicationsMoved), inside the transaction.
"""

from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from recruiting import events, policy, selectors
from recruiting.audit import audit_log_record, audit_log_record_each
from recruiting.models import (
    ACTIVE_STAGES,
    CLOSED_STAGES,
    Application,
    Job,
    Stage,
    StageChange,
    StagePolicy,
    allowed_transitions,
)
from recruiting.permissions import (
    ensure_can_act_for_all,
    ensure_can_act_on_application,
    ensure_can_give_to,
    put_forward_refusal,
)
from recruiting.services import clients, feedback, move_read, prompts
from recruiting.services.clock import application_clock_recompute, applications_clock_save, clock_set
from recruiting.validators import validate_coming_date

User = AbstractBaseUser


def _check_promised_date(next_step_date: date | None) -> None:
    if next_step_date is not None:
        try:
            validate_coming_date(next_step_date, what="promised next-step date")
        except ValidationError as error:
            raise ValidationError({"next_step_date": error.messages}) from error


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
    """A candidate applies (or is sourced) for a job: stage new, clock started, acknowledgment queued.

    The user must be able to act for the application's owner and the candidate's owner (the desk that puts
    the candidate forward); the job may be a colleague's (split desks), within the owner's team when the
    firm keeps putting forward within teams (permissions.put_forward_refusal).
    """
    if job.status != Job.Status.OPEN:
        raise ValidationError({"job": "This job is not open for new applications."})
    owner_id = owner.pk if owner is not None else candidate.owner_id
    ensure_can_act_for_all(by, {"owner": owner_id, "candidate": candidate.owner_id})
    refusal = put_forward_refusal(by, candidate_owner_id=owner_id, job_owner_id=job.owner_id)
    if refusal is not None:
        raise PermissionDenied(refusal)
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
    # Who put whom forward onto whose job: with split desks the three can be different people.
    audit_log_record(
        actor=by,
        action="application.create",
        obj=application,
        details={"job": job.pk, "job_owner": job.owner_id, "owner": application.owner_id},
    )
    application_clock_recompute(application=application)
    events.publish(events.ApplicationsMoved(stage_changes=[stage_change], by=by, holidays=None))
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
    # Locked with what the candidate's email is written from.
    application = move_read.application_locked(application.pk)
    ensure_can_act_on_application(by, application)
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
    in one, the feedback a late rejection owes (feedback.feedback_prompts_open), and what the changes owe
    the candidates (messages) from the subscribers of ApplicationsMoved.
    One move is the batch of one.
    """
    if not applications:
        return []
    now = timezone.now()
    from_stages = [application.stage for application in applications]
    policy_rows = None
    if to_stage in ACTIVE_STAGES:
        policies, policy_rows = _policies_read(policies)
        holidays = holidays if holidays is not None else selectors.firm_holidays()
    client_values = clients.client_clock_values(to_stage=to_stage, now=now, holidays=holidays)
    _applications_stage_write(
        applications,
        to_stage=to_stage,
        now=now,
        next_step_date=next_step_date,
        client_values=client_values,
        policies=policies,
        holidays=holidays,
    )
    clients.client_clocks_followed(applications=applications, values=client_values, now=now)
    if to_stage in CLOSED_STAGES:
        prompts.prompts_settle_on_closing(application_ids=[app.pk for app in applications], by=by, now=now)
    stage_changes = _stage_changes_record(
        applications,
        from_stages,
        to_stage=to_stage,
        by=by,
        now=now,
        note=note,
        next_step_date=next_step_date,
        notify=notify,
        action=action,
    )
    if to_stage == Stage.REJECTED:
        feedback.feedback_prompts_open(stage_changes=stage_changes, holidays=holidays)
    events.publish(
        events.ApplicationsMoved(stage_changes=stage_changes, by=by, holidays=holidays, policy_rows=policy_rows)
    )
    return stage_changes


def _policies_read(
    policies: dict[str, policy.SilencePolicy] | None,
) -> tuple[dict[str, policy.SilencePolicy], dict[str, StagePolicy] | None]:
    """The caller's policies, else every stage's policy row read once: for the clock here and, carried by
    the event, for the stage's email."""
    if policies is not None:
        return policies, None
    rows = selectors.stage_policy_rows()
    return selectors.stage_policies(rows=rows), rows


def _applications_stage_write(
    applications: list[Application],
    *,
    to_stage: str,
    now: datetime,
    next_step_date: date | None,
    client_values: dict,
    policies: dict[str, policy.SilencePolicy] | None,
    holidays: frozenset[date] | None,
) -> None:
    """The applications' new stage, closing and clock, on the objects and in one update (a second when
    their clocks differ)."""
    for application in applications:
        application.stage = to_stage
        application.stage_entered_at = now
        application.promised_next_step_date = next_step_date
        application.closed_at = now if to_stage in CLOSED_STAGES else None
        clock_set(application, policies=policies, holidays=holidays)
    steps = {(app.next_update_due, app.escalate_at, app.safety_net_at) for app in applications}
    # One move, or closed applications (they all leave the clock), share one schedule; otherwise each
    # application's own clock is written after the common columns.
    shared = (
        dict(zip(("next_update_due", "escalate_at", "safety_net_at"), steps.pop(), strict=True))
        if len(steps) == 1
        else {}
    )
    touched = _update_returning(
        Application.objects.filter(pk__in=[application.pk for application in applications]),
        stage=to_stage,
        stage_entered_at=now,
        promised_next_step_date=next_step_date,
        closed_at=now if to_stage in CLOSED_STAGES else None,
        **client_values,
        **shared,
    )
    if not shared:
        applications_clock_save(applications)
        return
    # The rows as written (updated_at is the database's, a trigger's): what the API answers a move with.
    for application in applications:
        application.updated_at = touched.get(application.pk, application.updated_at)


def _update_returning(queryset, **values) -> dict[int, datetime]:
    """queryset.update(**values) in one statement that also returns each row's updated_at: {pk: updated_at}.

    updated_at is written with the rest: PostgreSQL's trigger replaces it with its own clock before the
    row is written, and SQLite's trigger, which runs after the update and which RETURNING would not see,
    leaves a row whose updated_at changed alone (the api_external_ids migration)."""
    meta = queryset.model._meta
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values({**values, "updated_at": timezone.now()})
    using = router.db_for_write(queryset.model)
    rows = query.get_compiler(using).execute_returning_sql([meta.pk, meta.get_field("updated_at")])
    return {row[0]: row[1] for row in rows if row}


def _stage_changes_record(
    applications: list[Application],
    from_stages: list[str],
    *,
    to_stage: str,
    by: User | None,
    now: datetime,
    note: str,
    next_step_date: date | None,
    notify: bool,
    action: str,
) -> list[StageChange]:
    """One stage change per application in one insert, and their audit rows in another."""
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
    return stage_changes


@transaction.atomic
def application_reopen(
    *, application: Application, by: User | None, to_stage: str | None = None, note: str = ""
) -> StageChange:
    """Bring a closed application back into the pipeline, by default to the stage it was closed from."""
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("candidate", "job").get(pk=application.pk)
    )
    ensure_can_act_on_application(by, application)
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
def application_promise(
    *,
    application: Application,
    next_step_date: date | None,
    by: User | None,
    note: str = "",
    tell_candidate: bool = False,
    idempotency_key: str | None = None,
) -> Application:
    """Record (or clear) the next-step date promised to the candidate, with a note; the clock follows it.

    The one way to promise a date: published as DatePromised, whose subscribers tell the candidate when
    `tell_candidate` (their latest date only); `idempotency_key` (from the form) names that message, so
    that a form sent twice queues one.
    """
    application = (
        Application.objects.select_for_update(of=("self",))
        # What the candidate's message is written from, read with the application.
        .select_related("candidate", "job__client", "owner__profile")
        .get(pk=application.pk)
    )
    ensure_can_act_on_application(by, application)
    if application.stage not in ACTIVE_STAGES:
        raise ValidationError({"next_step_date": "A closed application has no next step."})
    _check_promised_date(next_step_date)
    note = note.strip()
    application.promised_next_step_date = next_step_date
    application.save(update_fields=["promised_next_step_date"])
    application_clock_recompute(application=application)
    audit_log_record(
        actor=by,
        action="application.promise",
        obj=application,
        details={"next_step_date": str(next_step_date or ""), "note": note},
    )
    events.publish(
        events.DatePromised(
            application=application,
            next_step_date=next_step_date,
            note=note,
            tell_candidate=tell_candidate,
            idempotency_key=idempotency_key,
            by=by,
            at=timezone.now(),
        )
    )
    return application


@transaction.atomic
def application_reassign(*, application: Application, owner: User, by: User | None) -> Application:
    """Give an application to another recruiter; their open prompts follow it. The giver must be able to
    act on the application and to give work to the new owner (permissions.assignable_users)."""
    application = Application.objects.select_for_update(of=("self",)).select_related("job").get(pk=application.pk)
    ensure_can_act_on_application(by, application)
    ensure_can_give_to(by, owner)
    previous = application.owner_id
    application.owner = owner
    application.save(update_fields=["owner"])
    prompts.prompts_reassign(application=application, to_user=owner)
    audit_log_record(
        actor=by, action="application.reassign", obj=application, details={"from": previous, "to": owner.pk}
    )
    return application
