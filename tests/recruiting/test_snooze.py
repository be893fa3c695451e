"""Snoozing a prompt: a reason and a date, never past two weeks of silence, hidden until it ends."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from recruiting import selectors
from recruiting.models import AuditLog, RecruiterPrompt
from recruiting.services import prompts, scan
from tests.factories import ApplicationFactory, PromptFactory, UserFactory

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 24, 11, tzinfo=UTC)
LAST_INFORMED = NOW - timedelta(days=6)
CEILING = LAST_INFORMED + timedelta(days=14)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def prompt():
    application = ApplicationFactory(
        created_at=NOW - timedelta(days=20), last_informed_at=LAST_INFORMED, next_update_due=NOW - timedelta(hours=1)
    )
    return PromptFactory(application=application, due_at=application.next_update_due)


def test_a_snooze_needs_a_reason_and_a_future_date(prompt):
    owner = prompt.recruiter
    with pytest.raises(ValidationError, match="Say why"):
        prompts.prompt_snooze(prompt=prompt, until=NOW + timedelta(days=1), reason="  ", by=owner)
    with pytest.raises(ValidationError, match="Choose the date"):
        prompts.prompt_snooze(prompt=prompt, until=None, reason="Client is away", by=owner)
    with pytest.raises(ValidationError, match="in the future"):
        prompts.prompt_snooze(prompt=prompt, until=NOW - timedelta(minutes=1), reason="Client is away", by=owner)
    prompt.refresh_from_db()
    assert prompt.snoozed_until is None


def test_a_snooze_ends_at_the_latest_two_weeks_after_the_candidate_was_last_told_anything(prompt):
    owner = prompt.recruiter
    with pytest.raises(ValidationError, match="at the latest"):
        prompts.prompt_snooze(prompt=prompt, until=CEILING + timedelta(minutes=1), reason="Client is away", by=owner)
    snoozed = prompts.prompt_snooze(prompt=prompt, until=CEILING, reason="Client is away", by=owner)
    assert (snoozed.snoozed_until, snoozed.snooze_reason) == (CEILING, "Client is away")
    audit = AuditLog.objects.get(action="prompt.snooze", object_id=prompt.pk)
    assert audit.actor == owner
    assert audit.details["reason"] == "Client is away"


def test_without_any_update_the_two_weeks_count_from_the_application(prompt):
    application = prompt.application
    application.last_informed_at = None
    application.created_at = NOW - timedelta(days=13)
    application.save()
    with pytest.raises(ValidationError, match="at the latest"):
        prompts.prompt_snooze(prompt=prompt, until=NOW + timedelta(days=2), reason="Waiting", by=prompt.recruiter)
    ok = prompts.prompt_snooze(prompt=prompt, until=NOW + timedelta(hours=20), reason="Waiting", by=prompt.recruiter)
    assert ok.snoozed_until == NOW + timedelta(hours=20)


def test_after_two_weeks_of_silence_nothing_can_wait(prompt):
    application = prompt.application
    application.last_informed_at = NOW - timedelta(days=15)
    application.save()
    with pytest.raises(ValidationError, match="cannot wait any longer"):
        prompts.prompt_snooze(prompt=prompt, until=NOW + timedelta(hours=1), reason="Waiting", by=prompt.recruiter)


@override_settings(TIME_ZONE="America/New_York")
def test_a_date_means_the_start_of_that_day_in_the_firms_time_zone(prompt):
    snoozed = prompts.prompt_snooze(prompt=prompt, until=date(2026, 11, 27), reason="Client decides Thursday", by=None)
    assert snoozed.snoozed_until == datetime(2026, 11, 27, 5, tzinfo=UTC)  # midnight in New York


def test_a_snoozed_prompt_is_hidden_until_the_snooze_ends(prompt, frozen):
    prompts.prompt_snooze(prompt=prompt, until=NOW + timedelta(days=2), reason="Client is away", by=prompt.recruiter)
    assert list(selectors.prompts_open_for_user(user=prompt.recruiter)) == []
    assert list(selectors.prompts_snoozed_for_user(user=prompt.recruiter)) == [prompt]
    assert scan.prompts_scan_overdue().created == 0
    frozen.move_to(NOW + timedelta(days=2))
    assert list(selectors.prompts_open_for_user(user=prompt.recruiter)) == [prompt]
    assert list(selectors.prompts_snoozed_for_user(user=prompt.recruiter)) == []
    assert RecruiterPrompt.objects.filter(application=prompt.application).count() == 1


def test_only_someone_who_may_act_can_snooze_and_only_an_open_prompt(prompt):
    with pytest.raises(PermissionDenied):
        prompts.prompt_snooze(prompt=prompt, until=NOW + timedelta(days=1), reason="Not mine", by=UserFactory())
    RecruiterPrompt.objects.filter(pk=prompt.pk).update(resolved_at=NOW, resolution="Phone to the candidate")
    with pytest.raises(ValidationError, match="already resolved"):
        prompts.prompt_snooze(prompt=prompt, until=NOW + timedelta(days=1), reason="Later", by=prompt.recruiter)
