"""CSV imports as background work: the upload is stored, a worker imports it with progress, and the rows
it refused can be downloaded as a CSV file. The import itself is `imports.candidates_import_csv`.

The worker gets the import's id only; the file stays in the database row (no personal data in task
arguments or logs). Running the task again for a finished import does nothing.
"""

import csv
import io
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from candidates.models import CandidateImport
from candidates.services.imports import ImportFileError, ImportReport, candidates_import_csv
from recruiting.audit import audit_log_record
from recruiting.models import Role
from recruiting.permissions import role_of
from recruiting.task_calls import TaskCall, enqueue_on_commit

logger = logging.getLogger(__name__)

User = AbstractBaseUser

UPLOAD_MAX_BYTES = 20 * 1024 * 1024


def can_see_import(user: User, run: CandidateImport) -> bool:
    return user.is_active and (run.uploaded_by_id == user.pk or role_of(user) == Role.ADMIN)


def ensure_can_see_import(user: User, run: CandidateImport) -> None:
    if not can_see_import(user, run):
        raise PermissionDenied("Only the person who started this import, or an admin, can see it.")


@transaction.atomic
def candidate_import_start(*, content: bytes, file_name: str, by: User) -> CandidateImport:
    """Store the file and hand it to a worker once the row is committed."""
    if not by.is_active:
        raise PermissionDenied("This account is not active.")
    if not content:
        raise ValidationError({"file": "The file is empty."})
    if len(content) > UPLOAD_MAX_BYTES:
        raise ValidationError({"file": "The file is larger than 20 MB; split it into smaller files."})
    run = CandidateImport.objects.create(uploaded_by=by, file_name=file_name[:255], content=content)
    audit_log_record(actor=by, action="candidate_import.start", obj=run, details={"bytes": len(content)})
    enqueue_on_commit(TaskCall("candidates.tasks.candidate_import_run", args=(run.pk,)))
    return run


def _counts(report: ImportReport) -> dict:
    return {
        "rows": report.rows,
        "candidates_created": report.candidates_created,
        "candidates_existing": report.candidates_existing,
        "applications_created": report.applications_created,
        "already_imported": report.already_imported,
    }


def candidate_import_run(*, import_id: int) -> CandidateImport:
    """Import a stored file (in a worker), recording progress as it goes. Rows commit one by one."""
    with transaction.atomic():
        run = CandidateImport.objects.select_for_update().select_related("uploaded_by").get(pk=import_id)
        if run.status != CandidateImport.Status.WAITING:
            return run  # a second delivery of the same task, or a run already under way
        run.status = CandidateImport.Status.RUNNING
        run.save(update_fields=["status"])

    def progress(report: ImportReport) -> None:
        CandidateImport.objects.filter(pk=import_id).update(**_counts(report))

    try:
        report = candidates_import_csv(file=io.BytesIO(bytes(run.content)), by=run.uploaded_by, progress=progress)
    except ImportFileError as error:
        CandidateImport.objects.filter(pk=import_id).update(
            status=CandidateImport.Status.FAILED, error=" ".join(error.messages), finished_at=timezone.now()
        )
    except Exception:
        logger.exception("Candidate import %s stopped", import_id)
        CandidateImport.objects.filter(pk=import_id).update(
            status=CandidateImport.Status.FAILED,
            error="The import stopped unexpectedly; the rows before the stop are imported. Try the file again: "
            "rows already on file are recognised by their address.",
            finished_at=timezone.now(),
        )
    else:
        CandidateImport.objects.filter(pk=import_id).update(
            **_counts(report),
            refused=[[error.line, error.reason] for error in report.errors],
            status=CandidateImport.Status.FINISHED,
            finished_at=timezone.now(),
        )
    run.refresh_from_db()
    return run


def _cell(value: object) -> object:
    """Text a spreadsheet would read as a formula is quoted (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def refused_rows_csv(*, run: CandidateImport) -> str:
    """The refused rows as CSV: line and reason."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "reason"])
    for line, reason in run.refused:
        writer.writerow([line, _cell(reason)])
    return out.getvalue()
