"""manage.py api_key_create --user USERNAME --name NAME: a key for the firm's ATS, printed once."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.keys import api_key_create


class Command(BaseCommand):
    help = "Make an API key that acts as USERNAME; the key is printed once and never shown again."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The username the key acts as.")
        parser.add_argument("--name", required=True, help="What the key is for (the ATS's name).")

    def handle(self, *args, user: str, name: str, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"No user is called {user!r}.")
        try:
            made = api_key_create(user=account, name=name, by=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(made.key)
        self.stderr.write(
            f"Key {made.api_key.prefix} ({made.api_key.name}) for {account.username}: "
            "keep it now, it is not shown again."
        )
