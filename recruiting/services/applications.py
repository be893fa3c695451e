"""Applications through the pipeline: created, moved, reopened, promised a date, reassigned.

Keyword-only, typed, atomic, audited; each recomputes the clock. A batch of stage changes is handed to
the layers above as an event (recruiting.events.ApplicationsMoved), inside the transaction.
"""

from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from recruiting import events, policy, selectors
from recruiting.audit import audit_log_record, audit_log_record_each
from recruiting.models import (
    ACTIVE_STAGES,
    CLOSED_STAGES,
    Application,
    AuditLog,
    ClientAnswer,
    ClientChase,
    ContactEvent,
    Job,
    SafetyNet,
    Stage,
    StageChange,
    allowed_transitions,
)
from recruiting.permissions import (
    ensure_can_act_for_all,
    ensure_can_act_on_application,
    ensure_can_give_to,
    put_forward_refusal,
)
from recruiting.services import clients, prompts
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
    application = (
        Application.objects.select_for_update(of=("self", "candidate"))
        # What the candidate's email is written from, read with the application.
        .select_related("candidate", "job__client", "owner__profile")
        .get(pk=application.pk)
    )
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
    client_values = clients.client_clock_values(to_stage=to_stage, now=now, holidays=holidays)
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
    Application.objects.filter(pk__in=[application.pk for application in applications]).update(
        stage=to_stage,
        stage_entered_at=now,
        promised_next_step_date=next_step_date,
        closed_at=now if to_stage in CLOSED_STAGES else None,
        **client_values,
        **shared,
    )
    if not shared:
        applications_clock_save(applications)
    clients.client_clocks_followed(applications=applications, values=client_values, now=now)
    if to_stage in CLOSED_STAGES:
        prompts.prompts_settle_on_closing(
            application_ids=[application.pk for application in applications], by=by, now=now
        )
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
    events.publish(events.ApplicationsMoved(stage_changes=stage_changes, by=by, holidays=holidays))
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


PROMISE_ACTION = "application.promise"


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
    `tell_candidate` (their latest date only). Give `idempotency_key` (from the form) so that a request
    sent twice promises once: the second finds the first's audit row and changes nothing.
    """
    application = (
        Application.objects.select_for_update(of=("self",))
        # What the candidate's message is written from, read with the application.
        .select_related("candidate", "job__client", "owner__profile")
        .get(pk=application.pk)
    )
    ensure_can_act_on_application(by, application)
    if idempotency_key and _promised_already(application, idempotency_key):
        return application
    if application.stage not in ACTIVE_STAGES:
        raise ValidationError({"next_step_date": "A closed application has no next step."})
    _check_promised_date(next_step_date)
    note = note.strip()
    application.promised_next_step_date = next_step_date
    application.save(update_fields=["promised_next_step_date"])
    application_clock_recompute(application=application)
    details = {"next_step_date": str(next_step_date or ""), "note": note, "tell_candidate": tell_candidate}
    if idempotency_key:
        details["idempotency_key"] = idempotency_key
    audit_log_record(actor=by, action=PROMISE_ACTION, obj=application, details=details)
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


def _promised_already(application: Application, idempotency_key: str) -> bool:
    return AuditLog.objects.filter(
        action=PROMISE_ACTION,
        object_type=Application._meta.label_lower,
        object_id=application.pk,
        details__idempotency_key=idempotency_key,
    ).exists()


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


MERGED_RESOLUTION = "Merged into the candidate's other record"
# The rows an application holds at most once per step; when both applications have one for the same step
# (the same event recorded twice), the kept application's stays and the other's copy goes.
_ONE_PER_STEP = (
    (SafetyNet, ("silence_started_at",)),
    (ClientChase, ("hiring_manager_id", "due_at")),
    (ClientAnswer, ("due_at",)),
)


@transaction.atomic
def application_history_fold(*, duplicate: Application, keeper: Application) -> None:
    """Two applications of one person for the same job (their records merged): the kept one takes the
    other's history, contacts, prompts, safety nets and the client's chases and answers, and the later of
    the two last-told moments. The pipeline's rows only: each other app moves its own (the outbox its
    messages and replies) before the other application is deleted with `application_delete_folded`."""
    StageChange.objects.filter(application_id=duplicate.pk).update(application_id=keeper.pk)
    ContactEvent.objects.filter(application_id=duplicate.pk).update(application_id=keeper.pk)
    prompts.prompts_fold(duplicate_id=duplicate.pk, keeper_id=keeper.pk, resolution=MERGED_RESOLUTION)
    for model, step in _ONE_PER_STEP:
        taken = set(model.objects.filter(application_id=keeper.pk).values_list(*step))
        rows = list(model.objects.filter(application_id=duplicate.pk))
        model.objects.filter(pk__in=[row.pk for row in rows if _step(row, step) not in taken]).update(
            application_id=keeper.pk
        )
        # The same event on both: the kept application's record of it is the one that counts.
        model.objects.filter(pk__in=[row.pk for row in rows if _step(row, step) in taken]).delete()
    informed = [at for at in (keeper.last_informed_at, duplicate.last_informed_at) if at is not None]
    if informed and max(informed) != keeper.last_informed_at:
        keeper.last_informed_at = max(informed)
        keeper.save(update_fields=["last_informed_at"])


def _step(row, fields: tuple[str, ...]) -> tuple:
    return tuple(getattr(row, name) for name in fields)


@transaction.atomic
def application_delete_folded(*, duplicate: Application) -> None:
    """Delete an application whose rows were all folded into another; refused while it still holds any
    (a row some app did not move would go with it)."""
    held = [
        related.related_model._meta.label
        for related in Application._meta.related_objects
        if related.related_model.objects.filter(**{related.field.name: duplicate.pk}).exists()
    ]
    if held:
        raise ValidationError(f"Application #{duplicate.pk} still holds rows: {', '.join(sorted(held))}.")
    Application.objects.filter(pk=duplicate.pk).delete()
