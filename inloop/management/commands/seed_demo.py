"""Load the demo firm once: two months of a small firm, run by the product itself with the clock moved."""

from django.core.management.base import BaseCommand, CommandError

from inloop import demo


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
    """Every demo login, one a line: the staff of the demo firm and its admin share the demo password."""
    lines = [
        f"Demo login: {username} / {demo.DEMO_PASSWORD} ({first} {last}, {role.label.lower()})"
        for username, first, last, role, _team in demo.STAFF
    ]
    lines.append(f"Admin login: {demo.ADMIN_USERNAME} / {demo.DEMO_PASSWORD} (the firm's admin)")
    return "\n".join(lines)
