"""Escalation: an overdue prompt still open after the stage's escalate-after business days goes to the team lead."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings

from recruiting.models import AuditLog, FirmHoliday, RecruiterPrompt, Role, Stage, StagePolicy
from recruiting.services import prompts, scan
from tests.factories import ApplicationFactory, TeamFactory, UserFactory

UTC = ZoneInfo("UTC")
# Friday 20 November 2026, 10:00: the update falls due. Screening escalates after 2 business days.
DUE = datetime(2026, 11, 20, 10, tzinfo=UTC)
MONDAY = date(2026, 11, 23)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return UserFactory(profile__role=Role.TEAM_LEAD)


@pytest.fixture
def application(lead):
    owner = UserFactory(profile__team=TeamFactory(lead=lead))
    return ApplicationFactory(
        candidate__owner=owner,
        stage=Stage.SCREENING,
        created_at=DUE - timedelta(days=7),
        next_update_due=DUE,
    )


def scan_at(moment: datetime, **kwargs) -> scan.ScanResult:
    with time_machine.travel(moment, tick=False):
        return scan.prompts_scan_overdue(**kwargs)


def the_prompt(application) -> RecruiterPrompt:
    return RecruiterPrompt.objects.get(application=application, reason=RecruiterPrompt.Reason.OVERDUE)


def test_escalation_counts_business_days_across_the_weekend(application, lead):
    assert scan_at(DUE + timedelta(hours=1)).created == 1
    assert scan_at(datetime(2026, 11, 23, 10, tzinfo=UTC)).escalated == 0  # Monday: one business day
    assert scan_at(datetime(2026, 11, 24, 9, 59, tzinfo=UTC)).escalated == 0
    tuesday_ten = datetime(2026, 11, 24, 10, tzinfo=UTC)
    result = scan_at(tuesday_ten)
    assert result.escalated == 1
    prompt = the_prompt(application)
    assert (prompt.escalated_to, prompt.escalated_at) == (lead, tuesday_ten)
    assert result.escalated_prompt_ids == (prompt.pk,)


def test_a_firm_holiday_is_not_a_business_day(application, lead):
    FirmHoliday.objects.create(date=MONDAY, name="Firm away day")
    scan_at(DUE + timedelta(hours=1))
    assert scan_at(datetime(2026, 11, 24, 10, tzinfo=UTC)).escalated == 0
    assert scan_at(datetime(2026, 11, 25, 9, 59, tzinfo=UTC)).escalated == 0
    assert scan_at(datetime(2026, 11, 25, 10, tzinfo=UTC)).escalated == 1
    assert the_prompt(application).escalated_to == lead


@override_settings(TIME_ZONE="Pacific/Auckland")
def test_business_days_are_counted_in_the_firms_time_zone(application, lead):
    # 10:00 UTC Friday is 23:00 Friday in Auckland; two business days later is Tuesday 23:00 there.
    scan_at(DUE + timedelta(minutes=1))
    assert scan_at(datetime(2026, 11, 24, 9, 59, tzinfo=UTC)).escalated == 0
    assert scan_at(datetime(2026, 11, 24, 10, tzinfo=UTC)).escalated == 1


def test_each_prompt_is_escalated_once(application, lead):
    scan_at(DUE + timedelta(hours=1))
    first = datetime(2026, 11, 24, 10, tzinfo=UTC)
    scan_at(first)
    assert scan_at(datetime(2026, 11, 27, 10, tzinfo=UTC)).escalated == 0
    assert the_prompt(application).escalated_at == first
    assert AuditLog.objects.filter(action="prompt.escalate").count() == 1


def test_the_stage_policy_sets_the_escalation_delay(application, lead):
    StagePolicy.objects.create(stage=Stage.SCREENING, max_silent_business_days=5, escalate_after_business_days=0)
    result = scan_at(DUE + timedelta(hours=1))
    assert (result.created, result.escalated) == (1, 1)


def test_without_a_team_lead_nothing_is_escalated_and_the_scan_says_so():
    loner = ApplicationFactory(candidate__owner=UserFactory(profile__team=TeamFactory()), next_update_due=DUE)
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    leads_own = ApplicationFactory(candidate__owner=lead, next_update_due=DUE)
    lead.profile.team = TeamFactory(lead=lead)
    lead.profile.save()
    scan_at(DUE + timedelta(hours=1))
    result = scan_at(datetime(2026, 11, 25, 10, tzinfo=UTC))
    assert (result.escalated, result.without_lead) == (0, 2)
    assert not RecruiterPrompt.objects.filter(application__in=[loner, leads_own], escalated_at__isnull=False).exists()


def test_a_snoozed_prompt_does_not_escalate_and_counts_again_from_the_end_of_the_snooze(application, lead):
    scan_at(DUE + timedelta(hours=1))
    snooze_end = datetime(2026, 11, 23, 10, tzinfo=UTC)
    with time_machine.travel(DUE + timedelta(hours=2), tick=False):
        prompts.prompt_snooze(
            prompt=the_prompt(application), until=snooze_end, reason="Client decides on Monday", by=application.owner
        )
    assert scan_at(datetime(2026, 11, 23, 9, tzinfo=UTC)).escalated == 0  # still snoozed
    assert scan_at(datetime(2026, 11, 24, 10, tzinfo=UTC)).escalated == 0  # two business days after Friday
    assert scan_at(datetime(2026, 11, 25, 9, 59, tzinfo=UTC)).escalated == 0
    assert scan_at(datetime(2026, 11, 25, 10, tzinfo=UTC)).escalated == 1
    assert the_prompt(application).escalated_to == lead


def test_a_dry_run_counts_the_escalations_due_without_making_them(application):
    scan_at(DUE + timedelta(hours=1))
    result = scan_at(datetime(2026, 11, 24, 10, tzinfo=UTC), dry_run=True)
    assert result.escalated == 1
    assert the_prompt(application).escalated_at is None
