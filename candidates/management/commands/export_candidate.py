"""Print (or write) everything held on one candidate as JSON: their data-access request."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from candidates.models import Candidate
from candidates.services.data_rights import candidate_export


class Command(BaseCommand):
    help = "Export everything held on a candidate as JSON."

    def add_arguments(self, parser):
        parser.add_argument("candidate_id", type=int)
        parser.add_argument("--output", type=Path, help="Write to this file instead of standard output.")

    def handle(self, *args, candidate_id: int, output: Path | None, **options):
        candidate = Candidate.objects.filter(pk=candidate_id).first()
        if candidate is None:
            raise CommandError(f"There is no candidate #{candidate_id}.")
        text = json.dumps(candidate_export(candidate=candidate), indent=2, ensure_ascii=False)
        if output is None:
            self.stdout.write(text)
            return
        output.write_text(text + "\n", encoding="utf-8")
        self.stderr.write(f"Candidate #{candidate_id} exported to {output}.")
