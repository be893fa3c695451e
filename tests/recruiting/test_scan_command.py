"""`manage.py scan_overdue`: reports what it found, opened and escalated; --dry-run changes nothing."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from recruiting.models import RecruiterPrompt, Role
from tests.factories import ApplicationFactory, TeamFactory, UserFactory

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # a Wednesday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def overdue_work():
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    owner = UserFactory(profile__team=TeamFactory(lead=lead))
    # The steps as the clock writes them: the lead two days after the prompt.
    for due in (NOW - timedelta(days=7), NOW - timedelta(hours=1), NOW + timedelta(days=1)):
        ApplicationFactory(
            candidate__owner=owner,
            next_update_due=due,
            escalate_at=due + timedelta(days=2),  # the first one escalates at once
            safety_net_at=due + timedelta(days=4),
        )


def run(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("scan_overdue", *args, stdout=out)
    return out.getvalue()


def test_dry_run_reports_and_changes_nothing():
    output = run("--dry-run")
    assert "dry run: nothing was changed" in output
    assert "Overdue applications without a prompt: 2" in output
    assert "Prompts that would be opened: 2" in output
    assert "Prompts that would be escalated to a team lead: 1" in output
    assert not RecruiterPrompt.objects.exists()


def test_the_scan_reports_what_it_did_and_a_second_run_finds_nothing():
    output = run()
    assert "Prompts opened: 2" in output
    assert "Prompts escalated to a team lead: 1" in output
    assert RecruiterPrompt.objects.filter(resolved_at__isnull=True).count() == 2
    again = run("-v", "2")
    assert "Overdue applications without a prompt: 0" in again
    assert "Prompts opened: 0" in again
    assert "Prompts escalated to a team lead: 0" in again
