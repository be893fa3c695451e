"""The pipeline services: transitions, audit, the keep-in-the-loop clock, permissions."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from recruiting import services
from recruiting.models import (
    ACTIVE_STAGES,
    CLOSED_STAGES,
    Application,
    AuditLog,
    ContactEvent,
    FirmHoliday,
    Job,
    RecruiterProfile,
    RecruiterPrompt,
    Role,
    Stage,
    StageChange,
    StagePolicy,
    allowed_transitions,
)
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory, TeamFactory, UserFactory

UTC = ZoneInfo("UTC")
MONDAY_10 = datetime(2026, 11, 23, 10, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def application(frozen):
    candidate = CandidateFactory()
    job = JobFactory(owner=candidate.owner)
    return services.application_create(candidate=candidate, job=job, by=candidate.owner, notify=False)


def test_application_create_starts_the_clock_and_audits(application):
    assert application.stage == Stage.NEW
    # docs/rules.md#silence-cap: new, 3 business days.
    assert application.next_update_due == MONDAY_10 + timedelta(days=3)
    change = application.stage_changes.get()
    assert (change.from_stage, change.to_stage, change.by) == ("", Stage.NEW, application.owner)
    assert AuditLog.objects.filter(action="application.create", object_id=application.pk).count() == 1


def test_application_create_refuses_a_closed_job_and_a_second_application(application):
    with pytest.raises(ValidationError, match="already has an application"):
        services.application_create(candidate=application.candidate, job=application.job, by=application.owner)
    closed_job = JobFactory(status=Job.Status.CLOSED)
    with pytest.raises(ValidationError, match="not open"):
        services.application_create(candidate=application.candidate, job=closed_job, by=application.owner)
    assert Application.objects.count() == 1


ALL_PAIRS = [(a, b) for a in Stage.values for b in Stage.values if a != b]


@pytest.mark.parametrize(("from_stage", "to_stage"), ALL_PAIRS)
def test_every_transition_is_allowed_or_refused_with_nothing_written(frozen, from_stage, to_stage):
    application = ApplicationFactory(stage=from_stage, closed_at=MONDAY_10 if from_stage in CLOSED_STAGES else None)
    before = (StageChange.objects.count(), AuditLog.objects.count())
    if to_stage in allowed_transitions(from_stage):
        services.application_move(application=application, to_stage=to_stage, by=application.owner, notify=False)
        application.refresh_from_db()
        assert application.stage == to_stage
        assert StageChange.objects.count() == before[0] + 1
        assert AuditLog.objects.filter(action="application.move").count() == 1
    else:
        with pytest.raises(ValidationError):
            services.application_move(application=application, to_stage=to_stage, by=application.owner, notify=False)
        application.refresh_from_db()
        assert application.stage == from_stage
        assert (StageChange.objects.count(), AuditLog.objects.count()) == before


def test_transition_table():
    assert allowed_transitions(Stage.SCREENING) == (
        Stage.SUBMITTED,
        Stage.INTERVIEWING,
        Stage.OFFER,
        Stage.PLACED,
        Stage.NEW,
        Stage.REJECTED,
        Stage.WITHDRAWN,
    )
    assert Stage.SCREENING in allowed_transitions(Stage.SUBMITTED)  # back one stage: a correction
    assert Stage.NEW not in allowed_transitions(Stage.SUBMITTED)  # back two: not allowed
    for closed in CLOSED_STAGES:
        assert allowed_transitions(closed) == ()


def test_closed_application_says_reopen_first(frozen):
    application = ApplicationFactory(stage=Stage.REJECTED, closed_at=MONDAY_10)
    with pytest.raises(ValidationError, match="reopen it first"):
        services.application_move(application=application, to_stage=Stage.SCREENING, by=application.owner)


def test_move_records_note_promise_and_recomputes_the_clock(application, frozen):
    change = services.application_move(
        application=application,
        to_stage=Stage.SUBMITTED,
        by=application.owner,
        note="Sent to the client with the portfolio",
        next_step_date=date(2026, 11, 27),
        notify=False,
    )
    application.refresh_from_db()
    assert change.note == "Sent to the client with the portfolio"
    assert change.next_step_date == date(2026, 11, 27)
    assert application.promised_next_step_date == date(2026, 11, 27)
    # docs/rules.md#promised-date: due the first business day after the promised Friday, at the start of the day.
    assert application.next_update_due == datetime(2026, 11, 30, tzinfo=UTC)
    assert application.stage_entered_at == MONDAY_10


def test_promised_date_in_the_past_is_refused_and_nothing_written(application, frozen):
    with pytest.raises(ValidationError, match="cannot be in the past"):
        services.application_move(
            application=application, to_stage=Stage.SCREENING, by=application.owner, next_step_date=date(2026, 11, 20)
        )
    application.refresh_from_db()
    assert application.stage == Stage.NEW
    assert application.stage_changes.count() == 1


def test_closing_stops_the_clock_and_reopen_restarts_it(application, frozen):
    services.application_move(application=application, to_stage=Stage.SCREENING, by=application.owner, notify=False)
    services.application_move(application=application, to_stage=Stage.WITHDRAWN, by=application.owner, notify=False)
    application.refresh_from_db()
    assert application.closed_at == MONDAY_10
    assert application.next_update_due is None
    assert application.outcome == Stage.WITHDRAWN

    frozen.shift(timedelta(hours=2))
    change = services.application_reopen(application=application, by=application.owner, note="Changed their mind")
    application.refresh_from_db()
    assert change.to_stage == Stage.SCREENING  # back to where it was closed from
    assert application.closed_at is None
    assert application.next_update_due == MONDAY_10 + timedelta(days=7)  # screening: 5 business days
    assert AuditLog.objects.filter(action="application.reopen").count() == 1


def test_reopen_refuses_an_open_application(application):
    with pytest.raises(ValidationError, match="Only a closed application"):
        services.application_reopen(application=application, by=application.owner)


@pytest.mark.parametrize(
    ("direction", "resets"),
    [
        (ContactEvent.Direction.OUTBOUND, True),
        (ContactEvent.Direction.INBOUND, False),
        (ContactEvent.Direction.INTERNAL, False),
    ],
)
def test_only_telling_the_candidate_resets_the_clock(application, frozen, direction, resets):
    due_before = application.next_update_due
    frozen.shift(timedelta(days=1))
    services.contact_log(
        application=application,
        channel=ContactEvent.Channel.PHONE,
        direction=direction,
        by=application.owner,
        summary="Talked through the next steps",
    )
    application.refresh_from_db()
    if resets:
        assert application.last_informed_at == MONDAY_10 + timedelta(days=1)
        assert application.next_update_due == MONDAY_10 + timedelta(days=4)
    else:
        assert application.last_informed_at is None
        assert application.next_update_due == due_before


def test_a_stage_move_without_a_message_does_not_reset_the_clock(application, frozen):
    frozen.shift(timedelta(days=1))
    services.application_move(application=application, to_stage=Stage.SCREENING, by=application.owner, notify=False)
    application.refresh_from_db()
    assert application.last_informed_at is None
    # Counted from creation (never informed): Monday + 5 business days.
    assert application.next_update_due == MONDAY_10 + timedelta(days=7)


def test_contact_in_the_future_is_refused(application, frozen):
    with pytest.raises(ValidationError, match="future"):
        services.contact_log(
            application=application,
            channel=ContactEvent.Channel.PHONE,
            direction=ContactEvent.Direction.OUTBOUND,
            by=application.owner,
            at=MONDAY_10 + timedelta(hours=1),
        )
    assert not ContactEvent.objects.exists()


def test_outbound_contact_resolves_the_overdue_prompt(application, frozen):
    prompt = RecruiterPrompt.objects.create(
        application=application, recruiter=application.owner, reason=RecruiterPrompt.Reason.OVERDUE
    )
    services.contact_log(
        application=application,
        channel=ContactEvent.Channel.EMAIL,
        direction=ContactEvent.Direction.OUTBOUND,
        by=application.owner,
        summary="Personal email",
    )
    prompt.refresh_from_db()
    assert prompt.resolved_at == MONDAY_10
    assert "Email" in prompt.resolution


def test_firm_holidays_and_stage_policies_drive_the_clock(frozen):
    FirmHoliday.objects.create(date=date(2026, 11, 26), name="Firm day off")
    StagePolicy.objects.create(stage=Stage.NEW, max_silent_business_days=2)
    candidate = CandidateFactory()
    application = services.application_create(
        candidate=candidate, job=JobFactory(owner=candidate.owner), by=candidate.owner, notify=False
    )
    assert application.next_update_due == MONDAY_10 + timedelta(days=2)
    StagePolicy.objects.filter(stage=Stage.NEW).update(max_silent_business_days=3)
    services.application_clock_recompute(application=application)
    assert application.next_update_due == MONDAY_10 + timedelta(days=4)  # Thursday is a holiday


def test_do_not_contact_takes_the_candidate_off_the_clock_with_a_visible_reason(application, frozen):
    from candidates.services.people import candidate_set_preferences

    candidate = application.candidate
    with pytest.raises(ValidationError, match="Say why"):
        candidate_set_preferences(candidate=candidate, by=candidate.owner, do_not_contact=True)
    candidate_set_preferences(
        candidate=candidate, by=candidate.owner, do_not_contact=True, reason="Asked by phone not to be contacted"
    )
    candidate.refresh_from_db()
    application.refresh_from_db()
    assert candidate.do_not_contact_reason == "Asked by phone not to be contacted"
    assert candidate.do_not_contact_at == MONDAY_10
    assert application.next_update_due is None

    candidate_set_preferences(candidate=candidate, by=candidate.owner, do_not_contact=False)
    application.refresh_from_db()
    assert application.next_update_due == MONDAY_10 + timedelta(days=3)
    assert AuditLog.objects.filter(action="candidate.preferences", object_id=candidate.pk).count() == 2


def test_pausing_automated_updates_keeps_the_clock(application):
    from candidates.services.people import candidate_set_preferences

    candidate_set_preferences(candidate=application.candidate, by=application.owner, automated_updates_paused=True)
    application.refresh_from_db()
    assert application.next_update_due is not None


def test_a_recruiter_acts_only_on_what_they_own(application):
    other = UserFactory()
    with pytest.raises(PermissionDenied):
        services.application_move(application=application, to_stage=Stage.SCREENING, by=other)
    with pytest.raises(PermissionDenied):
        services.contact_log(
            application=application,
            channel=ContactEvent.Channel.PHONE,
            direction=ContactEvent.Direction.OUTBOUND,
            by=other,
        )
    application.refresh_from_db()
    assert application.stage == Stage.NEW


def test_team_lead_and_admin_may_act_for_their_recruiters(application):
    team = TeamFactory()
    owner_profile = application.owner.profile
    owner_profile.team = team
    owner_profile.save()
    lead = UserFactory(profile__role=Role.TEAM_LEAD, profile__team=team)
    outsider_lead = UserFactory(profile__role=Role.TEAM_LEAD, profile__team=TeamFactory())
    admin = UserFactory(profile__role=Role.ADMIN)

    services.application_move(application=application, to_stage=Stage.SCREENING, by=lead, notify=False)
    services.application_move(application=application, to_stage=Stage.SUBMITTED, by=admin, notify=False)
    with pytest.raises(PermissionDenied):
        services.application_move(application=application, to_stage=Stage.INTERVIEWING, by=outsider_lead)


def test_reassign_moves_open_prompts(application):
    team = TeamFactory()
    RecruiterProfile.objects.filter(user=application.owner).update(team=team)
    application.owner.refresh_from_db()
    new_owner = UserFactory(profile__team=team)
    prompt = RecruiterPrompt.objects.create(
        application=application, recruiter=application.owner, reason=RecruiterPrompt.Reason.OVERDUE
    )
    services.application_reassign(application=application, owner=new_owner, by=application.owner)
    prompt.refresh_from_db()
    application.refresh_from_db()
    assert application.owner == new_owner
    assert prompt.recruiter == new_owner


def test_active_and_closed_stages_partition_the_pipeline():
    assert set(ACTIVE_STAGES) | set(CLOSED_STAGES) == set(Stage.values)
    assert not set(ACTIVE_STAGES) & set(CLOSED_STAGES)


@pytest.mark.parametrize("to_stage", [Stage.REJECTED, Stage.WITHDRAWN, Stage.PLACED])
def test_closing_settles_the_prompts_a_closed_application_no_longer_needs(application, frozen, to_stage):
    services.application_move(application=application, to_stage=Stage.SCREENING, by=application.owner, notify=False)
    services.application_move(application=application, to_stage=Stage.SUBMITTED, by=application.owner, notify=False)
    services.application_move(application=application, to_stage=Stage.INTERVIEWING, by=application.owner, notify=False)
    if to_stage == Stage.PLACED:
        services.application_move(application=application, to_stage=Stage.OFFER, by=application.owner, notify=False)
    settled = {
        reason: RecruiterPrompt.objects.create(application=application, recruiter=application.owner, reason=reason)
        for reason in (
            RecruiterPrompt.Reason.OVERDUE,
            RecruiterPrompt.Reason.CLIENT_ANSWERED,
            RecruiterPrompt.Reason.CLIENT_SILENT,
            RecruiterPrompt.Reason.SAFETY_NET,
        )
    }
    still_owed = RecruiterPrompt.objects.create(
        application=application, recruiter=application.owner, reason=RecruiterPrompt.Reason.REPLY_OWED
    )

    services.application_move(application=application, to_stage=to_stage, by=application.owner, notify=False)

    for prompt in settled.values():
        prompt.refresh_from_db()
        assert prompt.resolved_at == MONDAY_10
        assert prompt.resolution == "Settled when the application closed."
    still_owed.refresh_from_db()
    assert still_owed.resolved_at is None
    audited = AuditLog.objects.filter(action="prompt.settle", actor=application.owner)
    assert sorted(audited.values_list("object_id", flat=True)) == sorted(p.pk for p in settled.values())
