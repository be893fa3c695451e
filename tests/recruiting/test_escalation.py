"""Escalation: an open overdue prompt goes to the team lead at its application's escalate_at, the second step
of the schedule the clock writes (policy.silence_schedule), not at a delay counted from the prompt."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings

from recruiting.models import AuditLog, FirmHoliday, RecruiterPrompt, Role, Stage, StagePolicy
from recruiting.services import application_clock_recompute, prompts, scan
from tests.factories import ApplicationFactory, TeamFactory, UserFactory

UTC = ZoneInfo("UTC")
# Friday 20 November 2026, 10:00: the update falls due (screening: 5 business days after the candidate was
# last told, on Friday 13th). Screening escalates 2 business days later: Tuesday 24th, 10:00.
TOLD = datetime(2026, 11, 13, 10, tzinfo=UTC)
DUE = datetime(2026, 11, 20, 10, tzinfo=UTC)
TUESDAY_TEN = datetime(2026, 11, 24, 10, tzinfo=UTC)
MONDAY = date(2026, 11, 23)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return UserFactory(profile__role=Role.TEAM_LEAD)


def scheduled(**kwargs):
    """An application whose schedule the real clock wrote."""
    kwargs.setdefault("stage", Stage.SCREENING)
    kwargs.setdefault("created_at", TOLD - timedelta(days=7))
    kwargs.setdefault("last_informed_at", TOLD)
    application = ApplicationFactory(**kwargs)
    with time_machine.travel(TOLD, tick=False):
        application_clock_recompute(application=application)
    return application


@pytest.fixture
def application(lead):
    owner = UserFactory(profile__team=TeamFactory(lead=lead))
    return scheduled(candidate__owner=owner)


def scan_at(moment: datetime, **kwargs) -> scan.ScanResult:
    with time_machine.travel(moment, tick=False):
        return scan.prompts_scan_overdue(**kwargs)


def the_prompt(application) -> RecruiterPrompt:
    return RecruiterPrompt.objects.get(application=application, reason=RecruiterPrompt.Reason.OVERDUE)


def test_the_clock_writes_the_three_steps(application):
    assert application.next_update_due == DUE
    assert application.escalate_at == TUESDAY_TEN
    # The safety net: before the candidate's last business-hours opening before the ceiling (Friday 27th
    # 10:00 minus the three-hour margin), the email's hold earlier.
    assert application.safety_net_at == datetime(2026, 11, 26, 8, 50, tzinfo=UTC)


def test_escalation_comes_at_the_schedules_step_across_the_weekend(application, lead):
    assert scan_at(DUE + timedelta(hours=1)).created == 1
    assert scan_at(datetime(2026, 11, 23, 10, tzinfo=UTC)).escalated == 0  # Monday: one business day
    assert scan_at(TUESDAY_TEN - timedelta(minutes=1)).escalated == 0
    result = scan_at(TUESDAY_TEN)
    assert result.escalated == 1
    prompt = the_prompt(application)
    assert (prompt.escalated_to, prompt.escalated_at) == (lead, TUESDAY_TEN)
    assert result.escalated_prompt_ids == (prompt.pk,)


def test_a_late_scan_escalates_at_once_what_it_opens_past_the_step(application, lead):
    result = scan_at(TUESDAY_TEN + timedelta(hours=3))
    assert (result.created, result.escalated) == (1, 1)


def test_a_firm_holiday_is_not_a_business_day(lead):
    FirmHoliday.objects.create(date=MONDAY, name="Firm away day")
    application = scheduled(candidate__owner=UserFactory(profile__team=TeamFactory(lead=lead)))
    assert application.escalate_at == datetime(2026, 11, 25, 10, tzinfo=UTC)
    scan_at(DUE + timedelta(hours=1))
    assert scan_at(TUESDAY_TEN).escalated == 0
    assert scan_at(datetime(2026, 11, 25, 9, 59, tzinfo=UTC)).escalated == 0
    assert scan_at(datetime(2026, 11, 25, 10, tzinfo=UTC)).escalated == 1
    assert the_prompt(application).escalated_to == lead


@override_settings(TIME_ZONE="Pacific/Auckland")
def test_business_days_are_counted_in_the_firms_time_zone(lead):
    # In Auckland the candidate was told on Friday 13th at 23:00; due Friday 20th 23:00 there, and the lead
    # is told two business days later, Tuesday 24th 23:00 there: 10:00 UTC.
    application = scheduled(candidate__owner=UserFactory(profile__team=TeamFactory(lead=lead)))
    assert application.escalate_at == TUESDAY_TEN
    scan_at(DUE + timedelta(minutes=1))
    assert scan_at(TUESDAY_TEN - timedelta(minutes=1)).escalated == 0
    assert scan_at(TUESDAY_TEN).escalated == 1


def test_each_prompt_is_escalated_once(application, lead):
    scan_at(DUE + timedelta(hours=1))
    scan_at(TUESDAY_TEN)
    assert scan_at(datetime(2026, 11, 25, 10, tzinfo=UTC)).escalated == 0
    assert the_prompt(application).escalated_at == TUESDAY_TEN
    assert AuditLog.objects.filter(action="prompt.escalate").count() == 1


def test_the_stage_policy_sets_the_escalation_delay(lead):
    StagePolicy.objects.create(stage=Stage.SCREENING, max_silent_business_days=5, escalate_after_business_days=0)
    scheduled(candidate__owner=UserFactory(profile__team=TeamFactory(lead=lead)))
    result = scan_at(DUE + timedelta(hours=1))
    assert (result.created, result.escalated) == (1, 1)


def test_without_a_team_lead_nothing_is_escalated_and_the_scan_says_so():
    loner = scheduled(candidate__owner=UserFactory(profile__team=TeamFactory()))
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    leads_own = scheduled(candidate__owner=lead)
    lead.profile.team = TeamFactory(lead=lead)
    lead.profile.save()
    scan_at(DUE + timedelta(hours=1))
    result = scan_at(datetime(2026, 11, 25, 10, tzinfo=UTC))
    assert (result.escalated, result.without_lead) == (0, 2)
    assert not RecruiterPrompt.objects.filter(application__in=[loner, leads_own], escalated_at__isnull=False).exists()


def test_a_snoozed_prompt_does_not_escalate_until_the_snooze_ends(application, lead):
    scan_at(DUE + timedelta(hours=1))
    snooze_end = datetime(2026, 11, 25, 12, tzinfo=UTC)
    with time_machine.travel(DUE + timedelta(hours=2), tick=False):
        prompts.prompt_snooze(
            prompt=the_prompt(application), until=snooze_end, reason="Client decides on Wednesday", by=application.owner
        )
    assert scan_at(TUESDAY_TEN).escalated == 0  # the step has come, but the prompt is put aside
    assert scan_at(snooze_end - timedelta(minutes=1)).escalated == 0
    assert scan_at(snooze_end).escalated == 1
    assert the_prompt(application).escalated_to == lead


def test_a_snooze_never_reaches_past_the_safety_net(application):
    scan_at(DUE + timedelta(hours=1))
    with time_machine.travel(DUE + timedelta(hours=2), tick=False):
        with pytest.raises(ValidationError, match="Thursday 26 November, 08:50"):
            prompts.prompt_snooze(
                prompt=the_prompt(application),
                until=application.safety_net_at + timedelta(minutes=1),
                reason="Later",
                by=application.owner,
            )
        snoozed = prompts.prompt_snooze(
            prompt=the_prompt(application), until=application.safety_net_at, reason="Later", by=application.owner
        )
    assert snoozed.snoozed_until == application.safety_net_at


def test_a_dry_run_counts_the_escalations_due_without_making_them(application):
    scan_at(DUE + timedelta(hours=1))
    result = scan_at(TUESDAY_TEN, dry_run=True)
    assert result.escalated == 1
    assert the_prompt(application).escalated_at is None
