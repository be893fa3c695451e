"""A hiring manager's one-click answer about one application (rule 10), from a signed link.

The answer goes on the application's timeline (a ClientAnswer row), settles the client's clock (or
moves it to the date the manager asked for), sets the candidate's promised date when the manager gave
one, and prompts the owner to review: a proposed stage move or a rejection is the recruiter's to make,
and what the candidate then hears goes through the usual hold.

For INLOOP_CLIENT_ANSWER_CORRECTION_MINUTES after answering, the same link corrects the answer: the row
is replaced in place, what the first answer set is set again from the new one (the dates it replaced
are put back, as its audit row recorded them), and the recruiter's review prompt says the new answer.
Not once the recruiter moved the application or another answer came in.
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from recruiting import calendar, events, selectors
from recruiting.audit import audit_log_record
from recruiting.client_links import ClientAnswerLink, due_stamp
from recruiting.models import ACTIVE_STAGES, Application, AuditLog, ClientAnswer, HiringManager, Job, RecruiterPrompt
from recruiting.services.clients import SETTLED_CLIENT_ANSWERED, _prompts_settle_client, client_promise_due
from recruiting.services.clock import application_clock_recompute
from recruiting.services.prompts import prompt_open
from recruiting.validators import validate_coming_date

Kind = ClientAnswer.Kind

ANSWERED = (
    "Thank you: this question has already been answered, and the recruiter has it. To change the answer "
    "now, reply to the email or call the recruiter."
)
REPLACED = "The client corrected its answer."
NOT_ON_THE_JOB = (
    "This link is no longer valid: you are no longer named as a contact for this job. If you still have an "
    "answer, reply to the email and the recruiter will take it."
)
SUPERSEDED = "This link is no longer current: the recruiter has moved this candidate on since it was sent."


class ClientAnswerRefused(Exception):
    """The link cannot be answered; the message is for the manager."""


@dataclass(frozen=True)
class ClientQuestion:
    """What the manager's page shows: the candidate's name and the job, never their contact details."""

    application: Application
    hiring_manager: HiringManager
    candidate_name: str
    job_title: str
    client_name: str
    # The answer this link already gave, while it may still be corrected (None: not answered yet).
    answer: ClientAnswer | None = None

    @property
    def correctable_until(self) -> datetime | None:
        return correction_deadline(self.answer) if self.answer is not None else None


def correction_deadline(answer: ClientAnswer) -> datetime:
    """Until when the manager may correct this answer through the link that gave it."""
    return answer.at + timedelta(minutes=settings.INLOOP_CLIENT_ANSWER_CORRECTION_MINUTES)


def client_question_read(*, link: ClientAnswerLink, now: datetime | None = None) -> ClientQuestion:
    """The question a link asks (with the answer it gave while that may be corrected), or ClientAnswerRefused
    saying why it can no longer be answered."""
    application = Application.objects.select_related("candidate", "job__client").filter(pk=link.application_id).first()
    return _question(application, _manager(link), link, now or timezone.now())


def _manager(link: ClientAnswerLink) -> HiringManager | None:
    """The link's manager unless erased, with whether they are still named on the application's job."""
    named = Job.hiring_managers.through.objects.filter(
        job__applications__pk=link.application_id, hiringmanager_id=OuterRef("pk")
    )
    return (
        HiringManager.objects.filter(pk=link.hiring_manager_id, erased_at__isnull=True)
        .annotate(on_the_job=Exists(named))
        .first()
    )


def _answer_to_correct(
    application: Application, manager: HiringManager, link: ClientAnswerLink, now: datetime
) -> ClientAnswer | None:
    """The answer this link gave, while its manager may still correct it: within the correction window,
    the application still where it was answered, and no answer (by page or by email) recorded since."""
    if application.client_answered_at is None or now >= application.client_answered_at + timedelta(
        minutes=settings.INLOOP_CLIENT_ANSWER_CORRECTION_MINUTES
    ):
        return None  # the common case after the window, without a query
    step = datetime.fromtimestamp(link.due_stamp, tz=UTC)
    answer = ClientAnswer.objects.filter(
        application=application, due_at__gte=step, due_at__lt=step + timedelta(seconds=1)
    ).first()
    if answer is None or answer.hiring_manager_id != manager.pk or answer.at != application.client_answered_at:
        return None
    return answer if application.stage == answer.stage else None


def _question(
    application: Application | None, manager: HiringManager | None, link: ClientAnswerLink, now: datetime
) -> ClientQuestion:
    if application is None or manager is None or application.candidate.erased_at is not None:
        raise ClientAnswerRefused("This link is no longer valid.")
    if manager.client_id != application.job.client_id:
        raise ClientAnswerRefused("This link is no longer valid.")
    if not manager.on_the_job:
        # Taken off the job since the link was sent: the answer is no longer theirs to give.
        raise ClientAnswerRefused(NOT_ON_THE_JOB)
    candidate = application.candidate
    question = ClientQuestion(
        application=application,
        hiring_manager=manager,
        candidate_name=f"{candidate.first_name} {candidate.last_name}".strip(),
        job_title=application.job.title,
        client_name=application.job.client.name,
    )
    due = application.client_answer_due
    if application.stage not in ACTIVE_STAGES or due is None or due_stamp(due) != link.due_stamp:
        # No longer the step this link asks about: answered (and perhaps still correctable), or superseded.
        answer = _answer_to_correct(application, manager, link, now)
        if answer is not None:
            return replace(question, answer=answer)
    if application.stage not in ACTIVE_STAGES or due is None:
        raise ClientAnswerRefused(ANSWERED if application.client_answered_at else SUPERSEDED)
    if due_stamp(due) != link.due_stamp:
        answered_since = ClientAnswer.objects.filter(application=application, at__gte=application.client_asked_at)
        raise ClientAnswerRefused(ANSWERED if answered_since.exists() else SUPERSEDED)
    return question


def _check_date(value: date | None, *, required: bool, field: str, today: date) -> None:
    if value is None:
        if required:
            raise ClientAnswerRefused(f"Please choose the {field}.")
        return
    try:
        validate_coming_date(value, today=today, what=field)
    except ValidationError as error:
        raise ClientAnswerRefused(" ".join(error.messages)) from error


def _review_detail(question: ClientQuestion, answer: ClientAnswer) -> str:
    who = question.hiring_manager.name
    if answer.kind == Kind.MOVE_FORWARD:
        step = f": {answer.next_step}" if answer.next_step else ""
        when = f" on {calendar.day_words(answer.next_step_date)}" if answer.next_step_date else ""
        return f"{who} wants to move forward{step}{when}. Move the application on if you agree."
    if answer.kind == Kind.NOT_A_FIT:
        because = f" ({answer.reason})" if answer.reason else ""
        return f"{who} says not a fit{because}. Decide what to tell the candidate."
    until = calendar.day_words(answer.next_step_date)
    return f"{who} needs more time, until {until}; the candidate's date is set to it."


@transaction.atomic
def client_answer_record(
    *,
    link: ClientAnswerLink,
    kind: str,
    next_step: str = "",
    next_step_date: date | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> ClientAnswer:
    """Record a manager's answer from their link: once per due step, whatever the number of clicks."""
    now = now or timezone.now()
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("candidate", "job__client")
        .filter(pk=link.application_id)
        .first()
    )
    manager = _manager(link)
    question = _question(application, manager, link, now)
    if kind not in Kind.values:
        raise ClientAnswerRefused("Please choose one of the three answers.")
    today = timezone.localdate(now, timezone=calendar.zone(manager.time_zone))
    _check_date(next_step_date, required=kind == Kind.MORE_TIME, field="date", today=today)
    if question.answer is not None:
        return _answer_correct(
            question, kind=kind, next_step=next_step, next_step_date=next_step_date, reason=reason, now=now
        )
    # What the answer replaces, for a correction to put back (kept in its audit row).
    before = {
        "promised_next_step_date": str(application.promised_next_step_date or ""),
        "client_promised_date": str(application.client_promised_date or ""),
    }
    answer = ClientAnswer(
        application=application,
        hiring_manager=manager,
        kind=kind,
        stage=application.stage,
        asked_at=application.client_asked_at or now,
        due_at=application.client_answer_due,
        at=now,
        next_step=next_step.strip()[:200] if kind == Kind.MOVE_FORWARD else "",
        next_step_date=next_step_date if kind != Kind.NOT_A_FIT else None,
        reason=reason.strip()[:2000] if kind == Kind.NOT_A_FIT else "",
    )
    try:
        with transaction.atomic():
            answer.save()
    except IntegrityError as error:
        raise ClientAnswerRefused(ANSWERED) from error
    application.client_answered_at = now
    application.client_chased_at = None
    if kind == Kind.MORE_TIME:
        application.client_promised_date = next_step_date
        application.client_answer_due = client_promise_due(promised=next_step_date, holidays=selectors.firm_holidays())
    else:
        application.client_answer_due = None
    if answer.next_step_date is not None:
        application.promised_next_step_date = answer.next_step_date
    application.save(
        update_fields=[
            "client_answered_at",
            "client_chased_at",
            "client_promised_date",
            "client_answer_due",
            "promised_next_step_date",
        ]
    )
    application_clock_recompute(application=application)
    _prompts_settle_client(application_ids=[application.pk], resolution=SETTLED_CLIENT_ANSWERED, now=now)
    RecruiterPrompt.objects.filter(
        application=application, reason=RecruiterPrompt.Reason.CLIENT_ANSWERED, resolved_at__isnull=True
    ).update(resolved_at=now, resolution="A newer answer from the client replaced it.")
    prompt_open(
        application=application,
        reason=RecruiterPrompt.Reason.CLIENT_ANSWERED,
        detail=_review_detail(question, answer),
        due_at=now,
    )
    audit_log_record(
        actor=None,
        action="application.client_answer",
        obj=application,
        details={"kind": kind, "hiring_manager": manager.pk, "answer": answer.pk, "before": before},
    )
    events.publish(events.ClientAnswered(application=application, answer=answer, corrected=False, by=None, at=now))
    return answer


def _date_or_none(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _answer_correct(
    question: ClientQuestion, *, kind: str, next_step: str, next_step_date: date | None, reason: str, now: datetime
) -> ClientAnswer:
    """Replace the answer the link gave with the new one (the caller locked the application)."""
    application, answer = question.application, question.answer
    first = AuditLog.objects.filter(
        action="application.client_answer",
        object_type=Application._meta.label_lower,
        object_id=application.pk,
        details__answer=answer.pk,
    ).first()
    before = (first.details.get("before") if first else None) or {
        "promised_next_step_date": str(application.promised_next_step_date or ""),
        "client_promised_date": str(application.client_promised_date or ""),
    }
    was = answer.kind
    answer.kind = kind
    answer.next_step = next_step.strip()[:200] if kind == Kind.MOVE_FORWARD else ""
    answer.next_step_date = next_step_date if kind != Kind.NOT_A_FIT else None
    answer.reason = reason.strip()[:2000] if kind == Kind.NOT_A_FIT else ""
    answer.save(update_fields=["kind", "next_step", "next_step_date", "reason"])
    if kind == Kind.MORE_TIME:
        application.client_promised_date = next_step_date
        application.client_answer_due = client_promise_due(promised=next_step_date, holidays=selectors.firm_holidays())
    else:
        application.client_promised_date = _date_or_none(before["client_promised_date"])
        application.client_answer_due = None
    application.promised_next_step_date = answer.next_step_date or _date_or_none(before["promised_next_step_date"])
    application.save(update_fields=["client_promised_date", "client_answer_due", "promised_next_step_date"])
    application_clock_recompute(application=application)
    RecruiterPrompt.objects.filter(
        application=application, reason=RecruiterPrompt.Reason.CLIENT_ANSWERED, resolved_at__isnull=True
    ).update(resolved_at=now, resolution=REPLACED)
    prompt_open(
        application=application,
        reason=RecruiterPrompt.Reason.CLIENT_ANSWERED,
        detail=_review_detail(question, answer),
        due_at=now,
    )
    audit_log_record(
        actor=None,
        action="application.client_answer_correct",
        obj=application,
        details={"kind": kind, "was": was, "hiring_manager": question.hiring_manager.pk, "answer": answer.pk},
    )
    events.publish(events.ClientAnswered(application=application, answer=answer, corrected=True, by=None, at=now))
    return answer
