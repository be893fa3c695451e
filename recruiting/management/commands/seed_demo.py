"""Load the demo firm once: staff, clients, jobs, 300 candidates with two months of history."""

from django.core.management.base import BaseCommand, CommandError

from recruiting import demo


class Command(BaseCommand):
    help = "Load the demo data (once: a second run changes nothing) and print the demo logins."

    def handle(self, *args, **options) -> None:
        if not demo.demo_data_allowed():
            raise CommandError("The demo data has published passwords and is never loaded with production settings.")
        summary = demo.demo_data_load()
        if summary.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {summary.users} people, {summary.clients} clients, {summary.jobs} jobs, "
                    f"{summary.candidates} candidates, {summary.applications} applications "
                    f"({summary.overdue} owed an update now)."
                )
            )
        else:
            self.stdout.write("Demo data is already loaded; nothing changed.")
        self.stdout.write(demo_logins_text())


def demo_logins_text() -> str:
    return (
        f"Demo login: {demo.DEMO_USERNAME} / {demo.DEMO_PASSWORD} (a recruiter)\n"
        f"Admin login: {demo.ADMIN_USERNAME} / {demo.DEMO_PASSWORD}"
    )
