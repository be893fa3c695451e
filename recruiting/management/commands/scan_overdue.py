"""`python manage.py scan_overdue [--dry-run]`: the keep-in-the-loop scan, by hand."""

from django.core.management.base import BaseCommand

from recruiting.services.scan import prompts_scan_overdue


class Command(BaseCommand):
    help = (
        "Open a prompt for every overdue application, close prompts no longer owed, and escalate those "
        "left open too long to the team lead. Safe to run at any time, also while the beat job runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report what the scan would do; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        result = prompts_scan_overdue(dry_run=dry_run)
        would = "that would be " if dry_run else ""
        heading = f"Keep-in-the-loop scan at {result.now:%Y-%m-%d %H:%M} UTC"
        self.stdout.write(heading + (" (dry run: nothing was changed)" if dry_run else ""))
        lines = [
            ("Overdue applications without a prompt", result.found),
            (f"Prompts {would}opened", result.created),
            (f"Prompts {would}escalated to a team lead", result.escalated),
            (f"Prompts {would}closed because no update is owed any more", result.settled),
        ]
        for label, count in lines:
            self.stdout.write(f"  {label}: {count}")
        if result.without_lead:
            self.stdout.write(
                self.style.WARNING(
                    f"  Prompts due for escalation whose owner has no team lead to tell: {result.without_lead}"
                )
            )
        if options["verbosity"] > 1:
            for pk in result.created_prompt_ids:
                self.stdout.write(f"  opened prompt #{pk}")
            for pk in result.escalated_prompt_ids:
                self.stdout.write(f"  escalated prompt #{pk}")
