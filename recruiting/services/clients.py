"""The client's answer (rule 10): a clock per application, the chase, the call prompt, the answer.

After a submission, and again after a client interview, the client owes the firm an answer by a due
time (settings.INLOOP_CLIENT_ANSWER_DAYS business days, or the day after a date the client promised).
A due answer is chased once per due step through the client-chase port (the email is written by the
notifications layer); still unanswered INLOOP_CLIENT_CALL_AFTER_DAYS business days after the chase, the
owner is prompted to call, and the team lead told INLOOP_CLIENT_ESCALATE_AFTER_DAYS after that. The
Application's client_* columns are written here and nowhere else.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from recruiting import calendar, events, policy, selectors
from recruiting.audit import audit_log_record, audit_log_record_each, audit_log_record_many
from recruiting.models import Application, ClientChase, RecruiterProfile, RecruiterPrompt
from recruiting.permissions import ensure_can_act_on_application
from recruiting.selectors import clients as client_selectors
from recruiting.services import prompts
from recruiting.validators import validate_coming_date

User = AbstractBaseUser
Reason = RecruiterPrompt.Reason

CLIENT_REASONS = (Reason.CLIENT_SILENT,)
SETTLED_CLIENT_ANSWERED = "The client answered."
SETTLED_CLIENT_NOT_OWED = "The client no longer owes an answer: the application moved."


def client_answer_due_after(*, start: datetime, business_days: int, holidays: frozenset[date]) -> datetime:
    """`business_days` firm business days after `start`, at the same time of day in the firm's zone."""
    tz = calendar.firm_time_zone()
    local = timezone.localtime(start, tz)
    day = policy.add_business_days(local.date(), business_days, holidays)
    return datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=tz)


def client_promise_due(*, promised: date, holidays: frozenset[date]) -> datetime:
    """A date the client promised: the answer is due when business opens on the next business day."""
    day = policy.add_business_days(promised, 1, holidays)
    return datetime.combine(day, time(settings.INLOOP_BUSINESS_HOURS[0]), tzinfo=calendar.firm_time_zone())


def _prompts_settle_client(*, application_ids: list[int], resolution: str, now: datetime) -> int:
    rows = list(
        RecruiterPrompt.objects.filter(
            application_id__in=application_ids, reason__in=CLIENT_REASONS, resolved_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if rows:
        RecruiterPrompt.objects.filter(pk__in=rows).update(resolved_at=now, resolution=resolution)
        audit_log_record_many(
            actor=None,
            action="prompt.settle",
            model=RecruiterPrompt,
            object_ids=rows,
            details={"resolution": resolution},
        )
    return len(rows)


def client_clock_values(*, to_stage: str, now: datetime, holidays: frozenset[date] | None) -> dict[str, object]:
    """The client columns a move to `to_stage` writes: the clock started (submitted, interviewing) or
    stopped (anything else). applications_move_locked writes them in its own update: no query of ours."""
    days = settings.INLOOP_CLIENT_ANSWER_DAYS.get(to_stage)
    if days is None:
        return {"client_answer_due": None, "client_chased_at": None, "client_promised_date": None}
    holidays = holidays if holidays is not None else selectors.firm_holidays()
    return {
        "client_asked_at": now,
        "client_answer_due": client_answer_due_after(start=now, business_days=days, holidays=holidays),
        "client_chased_at": None,
        "client_promised_date": None,
    }


def client_clocks_followed(*, applications: list[Application], values: dict[str, object], now: datetime) -> None:
    """After the move's update: the objects follow it, and a call prompt about a step that was chased
    is settled (a query only when some application had been chased)."""
    chased = [application.pk for application in applications if application.client_chased_at is not None]
    for application in applications:
        for name, value in values.items():
            setattr(application, name, value)
    if chased:
        _prompts_settle_client(application_ids=chased, resolution=SETTLED_CLIENT_NOT_OWED, now=now)


@transaction.atomic
def application_client_promise_set(
    *, application: Application, promised_date: date, by: User | None, note: str = ""
) -> Application:
    """Record the date the client promised its answer by: the answer is due the next business morning,
    and a chase already sent for the old due step does not count for the new one."""
    application = Application.objects.select_for_update(of=("self",)).select_related("job").get(pk=application.pk)
    ensure_can_act_on_application(by, application)
    if application.stage not in settings.INLOOP_CLIENT_ANSWER_DAYS or application.client_asked_at is None:
        raise ValidationError({"promised_date": "The client owes no answer in this stage."})
    try:
        validate_coming_date(promised_date, what="date the client promised")
    except ValidationError as error:
        raise ValidationError({"promised_date": error.messages}) from error
    application.client_promised_date = promised_date
    application.client_answer_due = client_promise_due(promised=promised_date, holidays=selectors.firm_holidays())
    application.client_chased_at = None
    application.save(update_fields=["client_promised_date", "client_answer_due", "client_chased_at"])
    audit_log_record(
        actor=by,
        action="application.client_promise",
        obj=application,
        details={"promised_date": str(promised_date), "note": note[:300]},
    )
    return application


@dataclass
class ClientChaseResult:
    due: int = 0
    chased: list[int] = field(default_factory=list)
    # Due applications no manager can be emailed about: their owner is prompted to call at once.
    unreachable: list[int] = field(default_factory=list)


# The key of the advisory lock that lets one chase run at a time.
_CHASE_LOCK = 0x1B0C_C4A5


def _chase_lock() -> bool:
    """Take the chase's lock for this transaction; False when another chase holds it (PostgreSQL; elsewhere
    writes are serialised anyway)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_CHASE_LOCK])
        return bool(cursor.fetchone()[0])


def client_answers_chase(*, now: datetime | None = None) -> ClientChaseResult:
    """The beat's chase: every due, unchased client answer goes to the layer that emails managers.

    One chase runs at a time (a transaction-scoped advisory lock; a second beat at the same moment leaves
    the work to the first): two beats splitting one manager's candidates between them would each find the
    manager chased today by the other and leave their share for tomorrow. The due rows are also locked
    with SKIP LOCKED, and the ClientChase rows' unique key (application, manager, due step) holds if
    anything slips past.
    """
    now = now or timezone.now()
    result = ClientChaseResult()
    with transaction.atomic():
        if not _chase_lock():
            return result
        due = list(
            client_selectors.applications_with_managers(
                client_selectors.client_answers_due(now=now).select_for_update(skip_locked=True, of=("self",))
            )
        )
        result.due = len(due)
        if not due:
            return result
        reachable = [application for application in due if application.job.reachable_managers]
        unreachable = [application for application in due if not application.job.reachable_managers]
        sent = (
            [
                chase
                for chases in events.publish(events.ClientAnswersDue(applications=reachable, now=now))
                for chase in chases
            ]
            if reachable
            else []
        )
        due_of = {application.pk: application.client_answer_due for application in due}
        ClientChase.objects.bulk_create(
            [
                ClientChase(
                    application_id=chase.application_id,
                    hiring_manager_id=chase.hiring_manager_id,
                    due_at=due_of[chase.application_id],
                    at=now,
                    message_id=chase.message_id,
                )
                for chase in sent
            ],
            ignore_conflicts=True,
        )
        result.chased = sorted({chase.application_id for chase in sent})
        result.unreachable = [application.pk for application in unreachable]
        Application.objects.filter(pk__in=result.chased + result.unreachable).update(client_chased_at=now)
        audit_log_record_each(
            actor=None,
            action="application.client_chase",
            model=Application,
            entries=[(pk, {"due": due_of[pk].isoformat()}) for pk in result.chased]
            + [(pk, {"due": due_of[pk].isoformat(), "unreachable": True}) for pk in result.unreachable],
        )
        prompts.prompts_open_many(
            applications=unreachable,
            reason=Reason.CLIENT_SILENT,
            detail="The client's answer is due and no hiring manager can be emailed: call them.",
            due_at=now,
        )
    return result


@dataclass
class ClientPromptResult:
    opened: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


def client_prompts_scan(*, now: datetime | None = None) -> ClientPromptResult:
    """Prompt the owner to call a client still silent after the chase; tell the team lead after that."""
    now = now or timezone.now()
    result = ClientPromptResult()
    holidays = selectors.firm_holidays()
    call_after = settings.INLOOP_CLIENT_CALL_AFTER_DAYS
    with transaction.atomic():
        # k business days are at least k calendar days: younger chases cannot be due yet.
        chased = client_selectors.client_answers_chased_before(before=now - timedelta(days=call_after))
        silent = [
            application
            for application in chased.select_related("job__client")
            if client_answer_due_after(start=application.client_chased_at, business_days=call_after, holidays=holidays)
            <= now
        ]
        for application in silent:
            opened = prompts.prompts_open_many(
                applications=[application],
                reason=Reason.CLIENT_SILENT,
                detail=f"{application.job.client.name} has not answered since the chase: call them.",
                due_at=now,
            )
            result.opened += [prompt.pk for prompt in opened]
    with transaction.atomic():
        result.escalated = _client_prompts_escalate(now=now, holidays=holidays)
    return result


def _client_prompts_escalate(*, now: datetime, holidays: frozenset[date]) -> list[int]:
    after = settings.INLOOP_CLIENT_ESCALATE_AFTER_DAYS
    open_prompts = list(
        RecruiterPrompt.objects.select_for_update(skip_locked=True)
        .filter(
            reason=Reason.CLIENT_SILENT,
            resolved_at__isnull=True,
            escalated_at__isnull=True,
            due_at__lte=now - timedelta(days=after),
        )
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now))
    )
    leads = dict(
        RecruiterProfile.objects.filter(user_id__in={prompt.recruiter_id for prompt in open_prompts}).values_list(
            "user_id", "team__lead_id"
        )
    )
    escalated: list[int] = []
    to_lead: dict[int, int] = {}
    for prompt in open_prompts:
        start = max(prompt.due_at, prompt.snoozed_until) if prompt.snoozed_until else prompt.due_at
        lead = leads.get(prompt.recruiter_id)
        if lead is None or lead == prompt.recruiter_id:
            continue
        if client_answer_due_after(start=start, business_days=after, holidays=holidays) > now:
            continue
        RecruiterPrompt.objects.filter(pk=prompt.pk).update(escalated_at=now, escalated_to_id=lead)
        audit_log_record(actor=None, action="prompt.escalate", obj=prompt, details={"to": lead})
        escalated.append(prompt.pk)
        to_lead[prompt.pk] = lead
    if to_lead:
        events.publish(events.PromptsEscalated(to_lead=to_lead, by=None, at=now))
    return escalated
