"""Import candidates (and their applications) from a CSV file, reporting each bad row."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from candidates.services.imports import ImportFileError, ImportReport, candidates_import_csv


class Command(BaseCommand):
    help = (
        "Import candidates from a CSV file with a header row: first_name, email (required); last_name, phone, "
        "time_zone, owner, job_id, stage. Good rows are imported; each bad row is listed with its line and reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--as", dest="username", help="The recruiter importing; owns rows that name no owner.")

    def handle(self, *args, path: Path, username: str | None, **options):
        by = None
        if username:
            by = get_user_model().objects.filter(username=username, is_active=True).first()
            if by is None:
                raise CommandError(f"There is no active user {username!r}.")
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")

        def progress(report: ImportReport) -> None:
            self.stderr.write(
                f"{report.rows} rows read, {report.imported} imported, {report.already_imported} already imported, "
                f"{len(report.errors)} not imported"
            )

        try:
            with path.open("rb") as file:
                report = candidates_import_csv(file=file, by=by, progress=progress)
        except ImportFileError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Imported {report.imported} of {report.rows} rows: {report.candidates_created} new candidate(s), "
            f"{report.candidates_existing} already on file, {report.applications_created} application(s); "
            f"{report.already_imported} row(s) already imported, skipped."
        )
        for error in report.errors:
            self.stdout.write(str(error))
        if report.errors:
            raise CommandError(f"{len(report.errors)} row(s) were not imported; fix them and import those rows again.")
