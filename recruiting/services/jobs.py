"""Closing a job: every live application leaves the pipeline, each with the message its stage calls for.

Closing is the job owner's decision (or their team lead's, or an admin's) and it closes every live
application of the job, whoever owns it: the permission is checked once, on the job. The request writes
a JobClosing row and a worker does the work; the task message is a hint, so a broker that is down
delays a closing (the relay hands it over once the broker is back) and never loses it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from recruiting import policy, selectors
from recruiting.audit import audit_log_record
from recruiting.models import ACTIVE_STAGES, Application, AuditLog, Job, JobClosing, Stage
from recruiting.permissions import ensure_can_act
from recruiting.ratelimit import lossy_get, lossy_set
from recruiting.services.applications import application_transition_check, applications_move_locked
from recruiting.task_calls import TaskCall, enqueue, enqueue_on_commit

User = AbstractBaseUser

CLOSE_OUTCOMES = (Stage.REJECTED, Stage.WITHDRAWN)
# Applications moved per transaction: short locks, and progress that other processes can see.
JOB_CLOSE_BATCH = 100
PROGRESS_TIMEOUT_SECONDS = 24 * 60 * 60
JOB_CLOSE_TASK = "recruiting.tasks.job_close_run"
# A closing not started this long after its last hint is handed over again (the hint was lost, or it
# waits behind other work: a second hint is harmless).
CLOSING_RESEND_AFTER = timedelta(minutes=1)
# A closing started this long ago and not finished stopped with its worker (a run lasts at most the
# tasks' time limit, five minutes): it is handed over again and finishes the rest.
CLOSING_STALLED_AFTER = timedelta(minutes=10)

ProgressCallback = Callable[[int, int], None]


def _check_outcome(outcome: str) -> None:
    if outcome not in CLOSE_OUTCOMES:
        raise ValidationError({"outcome": "A job closes its applications as rejected or withdrawn."})


def job_close(
    *,
    job: Job,
    by: User | None,
    outcome: str,
    notify: bool,
    progress: ProgressCallback | None = None,
    batch_size: int = JOB_CLOSE_BATCH,
) -> int:
    """Close the job and move every live application to `outcome`; returns how many were moved.

    Not one transaction on purpose: the job is closed first (so no application joins it meanwhile), then
    the applications move in batches, each batch atomic. A run that stops half-way leaves every batch
    either done or untouched, and running it again finishes the rest. Each move is the pipeline's own
    stage change (history, audit, clock, outbox message per the stage's rules, docs/rules.md#rejection-by-depth
    and docs/rules.md#many-jobs included),
    made for a whole batch at once in a constant number of queries, with the policies and holidays read
    once for the whole job.
    """
    _check_outcome(outcome)
    job, total = _job_status_close(job=job, by=by, outcome=outcome, notify=notify)
    policies, holidays = selectors.stage_policies(), selectors.firm_holidays()
    done = 0
    if progress is not None:
        progress(done, total)
    while True:
        moved = _job_close_batch(
            job=job, by=by, outcome=outcome, notify=notify, batch_size=batch_size, policies=policies, holidays=holidays
        )
        if not moved:
            break
        done += moved
        if progress is not None:
            progress(done, max(total, done))
    return done


def _job_status_close(*, job: Job, by: User | None, outcome: str, notify: bool) -> tuple[Job, int]:
    """The job closed (checked and audited, once), and how many live applications it has to close."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        ensure_can_act(by, job.owner_id)
        if job.status != Job.Status.CLOSED:
            previous = job.status
            job.status = Job.Status.CLOSED
            job.save(update_fields=["status"])
            audit_log_record(
                actor=by, action="job.close", obj=job, details={"from": previous, "outcome": outcome, "notify": notify}
            )
        return job, job.applications.filter(stage__in=ACTIVE_STAGES).count()


def _job_close_batch(
    *,
    job: Job,
    by: User | None,
    outcome: str,
    notify: bool,
    batch_size: int,
    policies: dict[str, policy.SilencePolicy],
    holidays: frozenset[date],
) -> int:
    """Move the next batch of the job's live applications to `outcome` in one transaction; how many moved."""
    with transaction.atomic():
        batch = list(
            Application.objects.select_for_update(of=("self",))
            # Everything the candidate's email is written from, read with the batch, not per message.
            .select_related("candidate", "job__client", "owner__profile")
            .filter(job=job, stage__in=ACTIVE_STAGES)
            .order_by("pk")[:batch_size]
        )
        for application in batch:
            application_transition_check(application, outcome)
        # The batch moves in bulk: a constant number of queries for it, whatever its size.
        applications_move_locked(
            applications=batch,
            to_stage=outcome,
            by=by,
            note="The job was closed.",
            next_step_date=None,
            notify=notify,
            action="application.close_with_job",
            policies=policies,
            holidays=holidays,
        )
    return len(batch)


def _progress_key(close_id: str) -> str:
    return f"inloop:job-close:{close_id}"


def job_close_progress_record(*, close_id: str, state: str, done: int, total: int, error: str = "") -> None:
    """Best effort: without the cache the closing goes on, and its progress is read from the database."""
    lossy_set(
        _progress_key(close_id),
        {"state": state, "done": done, "total": total, "error": error},
        timeout=PROGRESS_TIMEOUT_SECONDS,
    )


def _close_task(closing: JobClosing) -> TaskCall:
    return TaskCall(
        JOB_CLOSE_TASK,
        args=(closing.job_id, closing.requested_by_id, closing.outcome, closing.notify, closing.close_id),
        hint=True,
    )


@transaction.atomic
def job_close_start(*, job: Job, by: User | None, outcome: str, notify: bool, close_id: str) -> int:
    """Check that the job may be closed and record the closing, for a worker to run (with progress);
    returns the live count. The closing is in the database before any task message is sent: with the
    broker down the request still answers, and the closings relay starts it once the broker is back."""
    _check_outcome(outcome)
    job = Job.objects.select_for_update().get(pk=job.pk)
    ensure_can_act(by, job.owner_id)
    live = job.applications.filter(stage__in=ACTIVE_STAGES).count()
    if job.status == Job.Status.CLOSED and live == 0:
        raise ValidationError("This job is already closed and has no live applications.")
    closing = JobClosing.objects.create(
        job=job, close_id=close_id, requested_by=by, outcome=outcome, notify=notify, handed_at=timezone.now()
    )
    audit_log_record(
        actor=by,
        action="job.close_requested",
        obj=job,
        details={"outcome": outcome, "notify": notify, "live": live, "close_id": close_id},
    )
    job_close_progress_record(close_id=close_id, state="waiting", done=0, total=live)
    enqueue_on_commit(_close_task(closing))
    return live


def job_closing_begin(*, close_id: str) -> bool:
    """A worker starts a recorded closing: False when it finished already (a second hint, or a message
    delivered again), so that nothing is done twice. A closing with no row (requested before closings
    were recorded) runs."""
    closing = JobClosing.objects.filter(close_id=close_id).first()
    if closing is None:
        return True
    if closing.finished_at is not None:
        return False
    JobClosing.objects.filter(pk=closing.pk).update(started_at=timezone.now())
    return True


def job_closing_finish(*, close_id: str) -> None:
    JobClosing.objects.filter(close_id=close_id, finished_at__isnull=True).update(finished_at=timezone.now())


def job_closings_relay(*, now: datetime | None = None) -> int:
    """Beat: hand every closing that waits to a worker again (not started a minute after its last hint,
    or started and stalled); returns how many were handed over. Safe to run twice or at once: a closing
    runs once to its end whatever the number of hints."""
    now = now or timezone.now()
    waiting = Q(started_at__isnull=True, handed_at__lt=now - CLOSING_RESEND_AFTER)
    stalled = Q(started_at__lt=now - CLOSING_STALLED_AFTER, handed_at__lt=now - CLOSING_STALLED_AFTER)
    closings = list(JobClosing.objects.filter(waiting | stalled, finished_at__isnull=True).order_by("pk"))
    if not closings:
        return 0
    JobClosing.objects.filter(pk__in=[closing.pk for closing in closings]).update(handed_at=now)
    enqueue(*(_close_task(closing) for closing in closings))
    return len(closings)


@dataclass(frozen=True)
class JobCloseProgress:
    state: str  # waiting, running, finished or failed
    done: int
    total: int
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.state in ("finished", "failed")


def job_close_progress(*, job: Job, close_id: str) -> JobCloseProgress | None:
    """Where a closing stands: what the worker recorded, checked against the database; None when this job
    has no such closing (the page must not say that one is waiting).

    The database is the truth (batches commit as they go), so the page is right even when the worker's
    cache is not shared with the web server.
    """
    if not JobClosing.objects.filter(job=job, close_id=close_id).exists():
        return None
    recorded = lossy_get(_progress_key(close_id)) or {}
    if not recorded:
        # The cache lost it or is down: the request's audit row says how many were live.
        requested = (
            AuditLog.objects.filter(
                action="job.close_requested",
                object_type=Job._meta.label_lower,
                object_id=job.pk,
                details__close_id=close_id,
            )
            .values_list("details", flat=True)
            .first()
        )
        recorded = {"total": requested["live"]} if requested else {}
    remaining = job.applications.filter(stage__in=ACTIVE_STAGES).count()
    total = max(int(recorded.get("total", 0)), remaining)
    done = max(total - remaining, int(recorded.get("done", 0)))
    state = recorded.get("state", "waiting")
    if state == "failed":
        return JobCloseProgress(state=state, done=done, total=total, error=recorded.get("error", ""))
    if job.status == Job.Status.CLOSED and remaining == 0:
        return JobCloseProgress(state="finished", done=total, total=total)
    if done and state == "waiting":
        state = "running"
    return JobCloseProgress(state=state, done=done, total=total)
