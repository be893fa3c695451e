"""Erase one hiring manager's personal data on their request; their answers stay on the timelines, unnamed."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from notifications.services.data_rights import client_chase_messages_erase
from recruiting.models import HiringManager
from recruiting.services.hiring_managers import hiring_manager_erase


class Command(BaseCommand):
    help = "Erase a client contact's personal data (name, address, the emails written to them). Cannot be undone."

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
        # Both apps' rows in one transaction: an erasure is never left half done.
        with transaction.atomic():
            manager = hiring_manager_erase(hiring_manager=manager, by=None)
            emails = client_chase_messages_erase(
                hiring_manager_id=manager.pk, erased_address=manager.email, reason="The recipient's data was erased."
            )
        self.stdout.write(f"Hiring manager #{hiring_manager_id} erased ({len(emails)} email(s) emptied).")
