"""Pipeline tasks: ids in, rows re-read, a service called."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model

from recruiting.models import Job
from recruiting.services import figure_weeks
from recruiting.services.clients import client_answers_chase, client_prompts_scan
from recruiting.services.clock import clocks_recompute
from recruiting.services.jobs import (
    job_close,
    job_close_progress_record,
    job_closing_begin,
    job_closing_finish,
)
from recruiting.services.jobs import job_closings_relay as job_closings_relay_service
from recruiting.services.scan import prompts_scan_overdue

logger = logging.getLogger(__name__)


@shared_task(name="recruiting.tasks.job_close_run", acks_late=True)
def job_close_run(job_id: int, by_id: int | None, outcome: str, notify: bool, close_id: str) -> int:
    """Close a job's live applications, recording progress for the recruiter's page. Safe to run again:
    a finished closing is not run twice, and a run moves only what is still live."""
    if not job_closing_begin(close_id=close_id):
        return 0
    job = Job.objects.get(pk=job_id)
    by = get_user_model().objects.filter(pk=by_id).first() if by_id is not None else None

    def report(done: int, total: int) -> None:
        job_close_progress_record(close_id=close_id, state="running", done=done, total=total)

    try:
        moved = job_close(job=job, by=by, outcome=outcome, notify=notify, progress=report)
    except Exception as error:
        job_close_progress_record(
            close_id=close_id, state="failed", done=0, total=0, error=f"The job could not be closed: {error}"
        )
        # Shown as failed, with a way to start again: the relay does not repeat a failure every few minutes.
        job_closing_finish(close_id=close_id)
        raise
    job_closing_finish(close_id=close_id)
    job_close_progress_record(close_id=close_id, state="finished", done=moved, total=moved)
    return moved


@shared_task(name="recruiting.tasks.job_closings_relay")
def job_closings_relay() -> int:
    """Beat, every minute: hand the closings that wait (the broker was down) or stalled to a worker."""
    return job_closings_relay_service()


@shared_task(name="recruiting.tasks.clocks_recompute_run", acks_late=True)
def clocks_recompute_run(by_id: int | None, cause: str, cause_id: int, reason: str) -> int:
    """Every active application's clock, after a stage policy or firm holiday edit. Safe to run again."""
    by = get_user_model().objects.filter(pk=by_id).first() if by_id is not None else None
    return clocks_recompute(by=by, cause=cause, cause_id=cause_id, reason=reason)


@shared_task(name="recruiting.tasks.scan_overdue")
def scan_overdue() -> dict[str, int]:
    """Beat: the keep-in-the-loop scan. Safe to run twice or at the same time."""
    result = prompts_scan_overdue()
    counts = {
        "found": result.found,
        "created": result.created,
        "escalated": result.escalated,
        "settled": result.settled,
        "without_lead": result.without_lead,
        "safety_net_messages": result.safety_net_messages,
        "safety_net_calls": result.safety_net_calls,
    }
    logger.info("Overdue scan: %s", counts)
    return counts


@shared_task(name="recruiting.tasks.figure_weeks_record")
def figure_weeks_record() -> int:
    """This week's figures for the trend (beat, hourly)."""
    return figure_weeks.figure_weeks_record()


@shared_task(name="recruiting.tasks.chase_client_answers")
def chase_client_answers() -> dict[str, int]:
    """Beat: chase due client answers, then prompt calls and tell leads. Safe to run twice or at once."""
    chase = client_answers_chase()
    scan = client_prompts_scan()
    counts = {
        "due": chase.due,
        "chased": len(chase.chased),
        "unreachable": len(chase.unreachable),
        "call_prompts": len(scan.opened),
        "escalated": len(scan.escalated),
    }
    logger.info("Client answers: %s", counts)
    return counts
