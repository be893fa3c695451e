"""What counts as telling the candidate: a logged contact spends a promise (rule 2), only telling settles an
overdue prompt (rule 4), feedback after a late rejection is owed by a date (rule 6), and the holds of
stage emails (rule 9)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from candidates.services.people import candidate_set_preferences
from notifications.models import OutboundMessage
from notifications.services import sending
from notifications.services.stage_emails import stage_email_decision
from recruiting import selectors
from recruiting.models import ContactEvent, RecruiterPrompt, Role, Stage, StagePolicy
from recruiting.services import application_create, application_move, application_promise, contact_log, scan
from tests.factories import CandidateFactory, JobFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 2, 10, tzinfo=UTC)
Reason = RecruiterPrompt.Reason


@pytest.fixture
def lead():
    return UserFactory(profile__role=Role.TEAM_LEAD)


@pytest.fixture
def owner(lead):
    return UserFactory(profile__team=TeamFactory(lead=lead))


def created(owner, *, at=MONDAY, **candidate):
    with time_machine.travel(at, tick=False):
        return application_create(
            candidate=CandidateFactory(owner=owner, **candidate), job=JobFactory(owner=owner), by=owner, notify=False
        )


def call(application, *, at, **kwargs):
    with time_machine.travel(at, tick=False):
        return contact_log(
            application=application,
            channel=ContactEvent.Channel.PHONE,
            direction=ContactEvent.Direction.OUTBOUND,
            by=application.owner,
            **kwargs,
        )


# --- rule 2: a logged contact on or before a promised date counts ---------------------------------------


@pytest.mark.parametrize("called_on", [date(2026, 11, 4), date(2026, 11, 6)], ids=["before", "on the day"])
def test_a_call_on_or_before_the_promised_date_spends_the_promise(owner, called_on):
    application = created(owner)
    with time_machine.travel(MONDAY, tick=False):
        application_promise(application=application, next_step_date=date(2026, 11, 6), by=owner)
    application.refresh_from_db()
    assert application.next_update_due == datetime(2026, 11, 9, tzinfo=UTC)  # the day after Friday's promise
    moment = datetime.combine(called_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=11)
    call(application, at=moment)
    application.refresh_from_db()
    assert application.promised_next_step_date is None
    # The stage's limit (new: 3 business days) from the call, not the day after the promise.
    assert application.last_informed_at == moment
    three_business_days_on = {4: datetime(2026, 11, 9, 11, tzinfo=UTC), 6: datetime(2026, 11, 11, 11, tzinfo=UTC)}
    assert application.next_update_due == three_business_days_on[called_on.day]
    with time_machine.travel(moment + timedelta(days=1), tick=False):
        assert scan.prompts_scan_overdue().created == 0


def test_a_call_may_give_a_new_date_which_becomes_the_promise(owner):
    application = created(owner)
    call(application, at=MONDAY + timedelta(hours=2), next_step_date=date(2026, 11, 5))
    application.refresh_from_db()
    assert application.promised_next_step_date == date(2026, 11, 5)
    assert application.next_update_due == datetime(2026, 11, 6, tzinfo=UTC)  # the day after the new date


def test_a_new_date_must_be_told_and_not_past(owner):
    application = created(owner)
    with pytest.raises(ValidationError, match="cannot be in the past"):
        call(application, at=MONDAY + timedelta(hours=2), next_step_date=date(2026, 11, 1))
    with pytest.raises(ValidationError, match="Only a date given to the candidate"), time_machine.travel(MONDAY):
        contact_log(
            application=application,
            channel=ContactEvent.Channel.OTHER,
            direction=ContactEvent.Direction.INTERNAL,
            by=owner,
            next_step_date=date(2026, 11, 13),
        )


def test_a_note_spends_nothing(owner):
    application = created(owner)
    with time_machine.travel(MONDAY, tick=False):
        application_promise(application=application, next_step_date=date(2026, 11, 6), by=owner)
        contact_log(
            application=application,
            channel=ContactEvent.Channel.OTHER,
            direction=ContactEvent.Direction.INTERNAL,
            by=owner,
            summary="Client said Friday",
        )
    application.refresh_from_db()
    assert application.promised_next_step_date == date(2026, 11, 6)


# --- rule 4: only telling settles an overdue prompt ------------------------------------------------------


def overdue_prompt(application):
    with time_machine.travel(application.next_update_due + timedelta(minutes=5), tick=False):
        scan.prompts_scan_overdue()
    return RecruiterPrompt.objects.get(application=application, reason=Reason.OVERDUE)


@pytest.mark.parametrize("how", ["paused", "not notified", "held"])
def test_a_move_that_tells_nobody_leaves_the_overdue_prompt_open(owner, how):
    application = created(owner, automated_updates_paused=how == "paused")
    prompt = overdue_prompt(application)
    moment = application.next_update_due + timedelta(hours=1)
    with time_machine.travel(moment, tick=False):
        application_move(application=application, to_stage=Stage.SUBMITTED, by=owner, notify=how != "not notified")
    application.refresh_from_db()
    assert application.next_update_due > moment  # the new stage's limit moved the clock on
    with time_machine.travel(moment + timedelta(minutes=1), tick=False):
        scan.prompts_scan_overdue()
    prompt.refresh_from_db()
    assert prompt.resolved_at is None
    if how == "held":
        # The held email, once sent, is the telling that settles it.
        message = OutboundMessage.objects.get(application=application, template_code="submitted")
        with time_machine.travel(message.send_after, tick=False):
            assert sending.messages_send_due(worker="w", limit=5).sent == 1
        prompt.refresh_from_db()
        assert prompt.resolved_at == message.send_after


def test_the_prompt_left_open_still_escalates_at_the_schedules_step(owner, lead):
    application = created(owner, automated_updates_paused=True)
    prompt = overdue_prompt(application)
    with time_machine.travel(application.next_update_due + timedelta(hours=1), tick=False):
        application_move(application=application, to_stage=Stage.SCREENING, by=owner)
    application.refresh_from_db()
    with time_machine.travel(application.escalate_at, tick=False):
        scan.prompts_scan_overdue()
    prompt.refresh_from_db()
    assert prompt.escalated_to == lead


# --- rule 6: feedback owed by a date ---------------------------------------------------------------------


def late_rejection(owner, *, at):
    application = created(owner, at=at - timedelta(days=1))
    with time_machine.travel(at, tick=False):
        application_move(application=application, to_stage=Stage.SUBMITTED, by=owner, notify=False)
        application_move(application=application, to_stage=Stage.REJECTED, by=owner)
    return application


def test_feedback_is_due_by_the_rejected_stages_policy_and_escalates(owner, lead):
    StagePolicy.objects.create(stage=Stage.SUBMITTED, max_silent_business_days=7, feedback_due_business_days=1)
    tuesday = datetime(2026, 11, 3, 15, tzinfo=UTC)
    application = late_rejection(owner, at=tuesday)
    prompt = RecruiterPrompt.objects.get(application=application, reason=Reason.FEEDBACK_OWED)
    assert prompt.due_at == datetime(2026, 11, 4, 15, tzinfo=UTC)
    assert prompt.escalate_at == datetime(2026, 11, 6, 15, tzinfo=UTC)
    figures = selectors.loop_figures(now=tuesday + timedelta(hours=1))
    assert (figures["firm"]["active"], figures["firm"]["within_policy"]) == (1, 0)
    with time_machine.travel(prompt.escalate_at - timedelta(seconds=1), tick=False):
        assert scan.prompts_scan_overdue().escalated == 0
    with time_machine.travel(prompt.escalate_at, tick=False):
        assert scan.prompts_scan_overdue().escalated == 1
    prompt.refresh_from_db()
    assert prompt.escalated_to == lead and prompt.resolved_at is None  # closing the application settles nothing
    call(application, at=prompt.escalate_at + timedelta(hours=1), summary="Went through the client's feedback")
    prompt.refresh_from_db()
    assert prompt.resolved_at is not None
    figures = selectors.loop_figures(now=prompt.escalate_at + timedelta(hours=2))
    assert figures["firm"]["active"] == 0  # written: off the figures, like any closed application


# --- rule 9: the holds of stage emails -------------------------------------------------------------------


def test_a_rejection_policy_without_a_hold_holds_a_day(owner, settings):
    settings.INLOOP_REJECTION_HOLD_MINUTES = 1440
    StagePolicy.objects.create(stage=Stage.REJECTED, max_silent_business_days=5)
    application = created(owner)
    decision = stage_email_decision(application=application, from_stage=Stage.NEW, to_stage=Stage.REJECTED)
    assert decision.hold_minutes == 1440
    StagePolicy.objects.filter(stage=Stage.REJECTED).update(hold_minutes=60)
    decision = stage_email_decision(application=application, from_stage=Stage.NEW, to_stage=Stage.REJECTED)
    assert decision.hold_minutes == 60


def test_the_admin_creates_a_rejection_policy_that_holds_a_day_and_says_so(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, profile__role="admin"))
    page = client.get(reverse("admin:recruiting_stagepolicy_add")).content.decode()
    assert "1440 for rejections" in page
    data = {
        "stage": Stage.REJECTED,
        "max_silent_business_days": 5,
        "grace_business_days": 1,
        "escalate_after_business_days": 2,
        "feedback_due_business_days": 3,
        "send_automated_email": "on",
        "template_code": "",
        "hold_minutes": "",
    }
    assert client.post(reverse("admin:recruiting_stagepolicy_add"), data).status_code == 302
    row = StagePolicy.objects.get(stage=Stage.REJECTED)
    assert row.hold_minutes is None
    listing = client.get(reverse("admin:recruiting_stagepolicy_changelist")).content.decode()
    assert "1440 (the stage&#x27;s default)" in listing


# --- the safety net follows what can reach the candidate --------------------------------------------------


def test_pausing_automated_email_brings_the_safety_net_a_day_earlier(owner):
    # A long limit, so that the ceiling sets the safety net: Friday 13th, 08:50 by email (the last opening
    # before the ceiling, less the email's hold); a day before that opening for a call.
    StagePolicy.objects.create(stage=Stage.NEW, max_silent_business_days=8)
    application = created(owner)
    assert application.safety_net_at == datetime(2026, 11, 13, 8, 50, tzinfo=UTC)
    by_email = application.safety_net_at
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        candidate_set_preferences(candidate=application.candidate, by=owner, automated_updates_paused=True)
    application.refresh_from_db()
    assert application.safety_net_at == datetime(2026, 11, 12, 9, tzinfo=UTC)
    assert application.safety_net_at < by_email
