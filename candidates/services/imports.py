"""CSV import of candidates and their applications.

Each data row is imported on its own, all or nothing: a candidate, and when the row names a job, an
application (moved to the row's stage when one is given). A bad row is reported with its line number
and the reason, and leaves nothing behind; the good rows around it are imported. Rows are not wrapped
in one transaction for the whole file on purpose: a large file would otherwise hold its locks for
the whole run, and one bad row would undo the rest.

Columns (header row required, in any order): first_name, email (required); last_name, phone,
time_zone, owner (a recruiter's username or email; the importing user by default), the job (job_id, the
number the import page lists, or job with its title as the pages show it, and client when two clients have
a job of that title), stage. An address already on file adds the application to that candidate instead of
creating a duplicate; a row with nothing new (the candidate on file, and already applied to the row's job
or naming none) is skipped and counted as already imported, not refused: a file can be imported again.
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from candidates.models import Candidate
from candidates.services.people import candidate_create
from candidates.validators import email_key
from recruiting.models import Application, Job, Stage
from recruiting.permissions import can_act_on
from recruiting.services import application_create, application_move

User = AbstractBaseUser
REQUIRED_COLUMNS = ("first_name", "email")
OPTIONAL_COLUMNS = ("last_name", "phone", "time_zone", "owner", "job_id", "job", "client", "stage")
PROGRESS_EVERY = 100


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    rows: int = 0
    candidates_created: int = 0
    candidates_existing: int = 0
    applications_created: int = 0
    # Rows with nothing new in them: the candidate on file and already applied to the row's job (or none named).
    already_imported: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.rows - len(self.errors) - self.already_imported


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (not UTF-8 text, no header, a required column missing)."""


def _text_lines(file: IO) -> io.TextIOBase:
    sample = file.read(0)
    if isinstance(sample, bytes):
        return io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    return file


def _reason(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        parts = []
        for name, messages in error.message_dict.items():
            label = "" if name == "__all__" else f"{name.replace('_', ' ')}: "
            parts.extend(f"{label}{message}" for message in messages)
        return " ".join(parts)
    return " ".join(error.messages)


class _Lookups:
    """Recruiters and jobs named in the file, each read once."""

    def __init__(self, default_owner: User | None):
        self.default_owner = default_owner
        self._owners: dict[str, User | None] = {}
        self._jobs: dict[int, Job | None] = {}
        self._jobs_named: dict[tuple[str, str], list[Job]] = {}

    def owner(self, value: str) -> User:
        if not value:
            if self.default_owner is None:
                raise ValidationError({"owner": "Name the recruiter who owns this candidate."})
            return self.default_owner
        if value not in self._owners:
            user_model = get_user_model()
            self._owners[value] = user_model.objects.filter(
                Q(username=value) | Q(email__iexact=value), is_active=True
            ).first()
        owner = self._owners[value]
        if owner is None:
            raise ValidationError({"owner": f"There is no active recruiter {value!r}."})
        # An importer gives candidates only to people they may act for (themselves, their team, anyone
        # for an admin): a file is no way around the rule the workspace keeps.
        if not can_act_on(self.default_owner, owner.pk):
            raise PermissionDenied(f"You may not give candidates to {value!r}: only to yourself or your team.")
        return owner

    def job(self, value: str, *, title: str = "", client: str = "") -> Job | None:
        if not value:
            return self.job_named(title, client) if title else None
        try:
            job_id = int(value)
        except ValueError:
            raise ValidationError({"job_id": f"{value!r} is not a job number."}) from None
        if job_id not in self._jobs:
            self._jobs[job_id] = Job.objects.filter(pk=job_id).first()
        job = self._jobs[job_id]
        if job is None:
            raise ValidationError({"job_id": f"There is no job #{job_id}."})
        return job

    def job_named(self, title: str, client: str) -> Job:
        """The job a person names as the pages show it: its title, and its client when the title is not
        enough. Open jobs are preferred, so that a title reused after an old job closed still works."""
        key = (title.casefold(), client.casefold())
        if key not in self._jobs_named:
            jobs = Job.objects.filter(title__iexact=title).select_related("client")
            if client:
                jobs = jobs.filter(client__name__iexact=client)
            found = list(jobs.order_by("pk")[:20])
            open_ones = [job for job in found if job.status == Job.Status.OPEN]
            self._jobs_named[key] = open_ones or found
        jobs = self._jobs_named[key]
        at = f" at {client}" if client else ""
        if not jobs:
            raise ValidationError({"job": f"There is no job called {title!r}{at}."})
        if len(jobs) > 1:
            clients = sorted({job.client.name for job in jobs})
            if len(clients) > 1 and not client:
                raise ValidationError(
                    {"job": f"{len(jobs)} jobs are called {title!r} (at {', '.join(clients)}): name the client."}
                )
            raise ValidationError(
                {"job": f"{len(jobs)} jobs are called {title!r}{at}: use the job_id the import page lists."}
            )
        return jobs[0]


class _AlreadyImported(Exception):
    """The row has nothing new: its candidate is on file and already applied to its job (or it names none)."""


def _stage(value: str) -> str:
    if not value:
        return Stage.NEW
    by_value = {choice.value: choice.value for choice in Stage}
    by_label = {choice.label.lower(): choice.value for choice in Stage}
    stage = by_value.get(value.strip().lower()) or by_label.get(value.strip().lower())
    if stage is None:
        raise ValidationError({"stage": f"{value!r} is not a stage. Use one of: {', '.join(Stage.values)}."})
    return stage


def _rows(reader: csv.DictReader) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row with the line it starts on (a quoted field may span several lines)."""
    line = reader.line_num + 1
    for row in reader:
        yield line, row
        line = reader.line_num + 1


def _import_row(row: dict[str, str], *, by: User | None, lookups: _Lookups, report: ImportReport) -> None:
    if None in row:
        raise ValidationError("This row has more columns than the header.")
    values = {key: (value or "") for key, value in row.items()}
    owner = lookups.owner(values.get("owner", "").strip())
    job = lookups.job(
        values.get("job_id", "").strip(), title=values.get("job", "").strip(), client=values.get("client", "").strip()
    )
    stage = _stage(values.get("stage", ""))
    if stage != Stage.NEW and job is None:
        raise ValidationError({"stage": "A stage needs a job (job_id, or job and client) to apply to."})
    candidate = Candidate.objects.filter(email_key=email_key(values["email"]), erased_at__isnull=True).first()
    created = candidate is None
    if not created and (job is None or Application.objects.filter(candidate=candidate, job=job).exists()):
        raise _AlreadyImported
    if created:
        candidate = candidate_create(
            first_name=values["first_name"],
            last_name=values.get("last_name", ""),
            email=values["email"],
            phone=values.get("phone", ""),
            time_zone=values.get("time_zone", "").strip() or "UTC",
            owner=owner,
            by=by,
        )
    if job is not None:
        # Imported history is not news to the candidate: no acknowledgment or stage email goes out.
        application = application_create(candidate=candidate, job=job, by=by, owner=owner, notify=False)
        if stage != Stage.NEW:
            application_move(application=application, to_stage=stage, by=by, notify=False, note="Imported")
        report.applications_created += 1
    if created:
        report.candidates_created += 1
    else:
        report.candidates_existing += 1


def candidates_import_csv(
    *, file: IO, by: User | None, progress: Callable[[ImportReport], None] | None = None
) -> ImportReport:
    """Import the rows of a CSV file (bytes or text); returns what was imported and each bad row.

    Raises ImportFileError when the file as a whole cannot be read. `progress` is called with the
    running report every PROGRESS_EVERY rows and once at the end.
    """
    try:
        reader = csv.DictReader(_text_lines(file))
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except UnicodeDecodeError as error:
        raise ImportFileError("The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again.") from error
    if not header:
        raise ImportFileError("The file is empty: it needs a header row naming the columns.")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s): {', '.join(unknown)}")
        expected = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
        raise ImportFileError(f"The header row has {'; '.join(problems)}. The columns are: {expected}.")
    reader.fieldnames = header
    report = ImportReport()
    lookups = _Lookups(by)
    try:
        for line, row in _rows(reader):
            report.rows += 1
            try:
                with transaction.atomic():
                    _import_row(row, by=by, lookups=lookups, report=report)
            except _AlreadyImported:
                report.already_imported += 1
            except ValidationError as error:
                report.errors.append(RowError(line=line, reason=_reason(error)))
            except PermissionDenied as error:
                report.errors.append(RowError(line=line, reason=str(error)))
            if progress is not None and report.rows % PROGRESS_EVERY == 0:
                progress(report)
    except UnicodeDecodeError:
        report.errors.append(
            RowError(
                line=reader.line_num + 1,
                reason="The file stops being UTF-8 text here; nothing from here on was imported. "
                "Save it as 'CSV UTF-8' and import the rest.",
            )
        )
    except csv.Error as error:
        report.errors.append(RowError(line=reader.line_num, reason=f"The file cannot be read from here on: {error}."))
    if progress is not None:
        progress(report)
    return report
