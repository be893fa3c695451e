"""The candidates app's tasks: ids in, rows re-read, a service called."""

from celery import shared_task

from candidates.services import import_runs


@shared_task(name="candidates.tasks.candidate_import_run", acks_late=True)
def candidate_import_run(import_id: int) -> str:
    """A stored CSV import, row by row with progress. Safe to deliver twice: a started import is left alone."""
    return import_runs.candidate_import_run(import_id=import_id).status
