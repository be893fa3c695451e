"""Erase one hiring manager's personal data on their request; their answers stay on the timelines, unnamed."""

from django.core.management.base import BaseCommand, CommandError

from candidates.services.data_rights import hiring_manager_data_erase
from recruiting.models import HiringManager


class Command(BaseCommand):
    help = (
        "Erase a client contact's personal data everywhere (name, every address they had, the emails written "
        "to and from them, their name in notes, logs and mail files). Cannot be undone."
    )

    def add_arguments(self, parser):
        parser.add_argument("hiring_manager_id", type=int)
        parser.add_argument("--yes", action="store_true", help="Confirm: without it nothing is erased.")

    def handle(self, *args, hiring_manager_id: int, yes: bool, **options):
        manager = HiringManager.objects.filter(pk=hiring_manager_id).first()
        if manager is None:
            raise CommandError(f"There is no hiring manager #{hiring_manager_id}.")
        if manager.erased_at is not None:
            self.stdout.write(f"Hiring manager #{hiring_manager_id} was already erased ({manager.erased_at:%Y-%m-%d}).")
            return
        if not yes:
            raise CommandError(
                f"This erases hiring manager #{hiring_manager_id} and the emails written to them for good. "
                "Run it again with --yes to go ahead."
            )
        # Every app's rows in one transaction (the service's): an erasure is never left half done.
        erased = hiring_manager_data_erase(hiring_manager=manager, by=None)
        self.stdout.write(
            f"Hiring manager #{hiring_manager_id} erased ({erased['emails']} email(s) emptied, "
            f"{erased['other_rows_cleaned']} other row(s) cleaned)."
        )
