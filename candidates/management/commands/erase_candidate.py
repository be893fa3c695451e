"""Erase one candidate's personal data on their request. Rows that figures count are kept, anonymised."""

from django.core.management.base import BaseCommand, CommandError

from candidates.models import Candidate
from candidates.services.data_rights import candidate_erase


class Command(BaseCommand):
    help = "Erase a candidate's personal data (names, addresses, notes, message contents). Cannot be undone."

    def add_arguments(self, parser):
        parser.add_argument("candidate_id", type=int)
        parser.add_argument("--yes", action="store_true", help="Confirm: without it nothing is erased.")

    def handle(self, *args, candidate_id: int, yes: bool, **options):
        candidate = Candidate.objects.filter(pk=candidate_id).first()
        if candidate is None:
            raise CommandError(f"There is no candidate #{candidate_id}.")
        if candidate.erased_at is not None:
            self.stdout.write(f"Candidate #{candidate_id} was already erased on {candidate.erased_at:%Y-%m-%d}.")
            return
        applications = candidate.applications.count()
        if not yes:
            raise CommandError(
                f"This erases candidate #{candidate_id} and the personal data of their {applications} application(s) "
                "for good. Run it again with --yes to go ahead."
            )
        others = list(
            Candidate.objects.filter(email_key=candidate.email_key, erased_at__isnull=True)
            .exclude(pk=candidate.pk)
            .values_list("pk", flat=True)
        )
        candidate_erase(candidate=candidate, by=None)
        self.stdout.write(f"Candidate #{candidate_id} erased ({applications} application(s) anonymised).")
        if others:
            ids = ", ".join(f"#{pk}" for pk in others)
            self.stdout.write(f"Other candidate records use the same address and were left as they are: {ids}.")
