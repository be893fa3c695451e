"""Recruiter prompts: one open per reason, what resolves them, resolving by hand, check-ins, the lists."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.services import messages as message_services
from recruiting import selectors, services
from recruiting.models import AuditLog, ContactEvent, RecruiterPrompt, Role, Stage
from recruiting.services import prompts
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobFactory,
    OutboundMessageFactory,
    PromptFactory,
    TeamFactory,
    UserFactory,
)

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 24, 11, tzinfo=UTC)  # a Tuesday
Reason = RecruiterPrompt.Reason

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def overdue_application(**kwargs):
    kwargs.setdefault("next_update_due", NOW - timedelta(hours=2))
    kwargs.setdefault("created_at", NOW - timedelta(days=5))
    return ApplicationFactory(**kwargs)


def test_prompt_open_opens_one_for_the_owner_and_returns_it_when_asked_again():
    application = overdue_application()
    first = prompts.prompt_open(application=application, reason=Reason.CANDIDATE_ASKED, detail="Asked on their page")
    again = prompts.prompt_open(application=application, reason=Reason.CANDIDATE_ASKED)
    assert again.pk == first.pk
    assert first.recruiter == application.owner
    assert RecruiterPrompt.objects.filter(application=application).count() == 1
    assert AuditLog.objects.filter(action="prompt.open", object_id=first.pk).count() == 1
    # Another reason is another prompt.
    other = prompts.prompt_open(application=application, reason=Reason.FEEDBACK_OWED, due_at=NOW + timedelta(days=2))
    assert other.pk != first.pk
    assert other.due_at == NOW + timedelta(days=2)


def test_the_database_refuses_a_second_open_prompt_for_the_same_reason():
    prompt = PromptFactory(reason=Reason.OVERDUE)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecruiterPrompt.objects.create(
            application=prompt.application, recruiter=prompt.recruiter, reason=Reason.OVERDUE
        )
    # Once resolved, a new one may open.
    RecruiterPrompt.objects.filter(pk=prompt.pk).update(resolved_at=NOW, resolution="Called")
    RecruiterPrompt.objects.create(application=prompt.application, recruiter=prompt.recruiter, reason=Reason.OVERDUE)
    assert RecruiterPrompt.objects.filter(application=prompt.application).count() == 2


def test_an_outbound_contact_resolves_overdue_and_asked_for_update_prompts_only():
    application = overdue_application()
    overdue = PromptFactory(application=application, reason=Reason.OVERDUE)
    asked = PromptFactory(application=application, reason=Reason.CANDIDATE_ASKED)
    unknown = PromptFactory(application=application, reason=Reason.OUTCOME_UNKNOWN)
    services.contact_log(
        application=application,
        channel=ContactEvent.Channel.PHONE,
        direction=ContactEvent.Direction.OUTBOUND,
        by=application.owner,
        summary="Told them the client decides on Friday",
    )
    overdue.refresh_from_db()
    asked.refresh_from_db()
    unknown.refresh_from_db()
    assert overdue.resolved_at == NOW and overdue.resolution == "Phone to the candidate"
    assert asked.resolved_at == NOW
    assert unknown.resolved_at is None
    assert AuditLog.objects.filter(action="prompt.resolve", object_id__in=[overdue.pk, asked.pk]).count() == 2
    application.refresh_from_db()
    assert application.next_update_due > NOW  # the clock was reset too


def test_an_internal_note_resolves_nothing():
    application = overdue_application()
    prompt = PromptFactory(application=application)
    services.contact_log(
        application=application,
        channel=ContactEvent.Channel.OTHER,
        direction=ContactEvent.Direction.INTERNAL,
        by=application.owner,
        summary="Waiting for the client",
    )
    prompt.refresh_from_db()
    assert prompt.resolved_at is None


def test_feedback_owed_is_resolved_by_the_feedback_contact_on_the_rejected_application():
    application = ApplicationFactory(stage=Stage.REJECTED, closed_at=NOW - timedelta(hours=1))
    feedback = prompts.prompt_open(application=application, reason=Reason.FEEDBACK_OWED, due_at=NOW + timedelta(days=2))
    services.contact_log(
        application=application,
        channel=ContactEvent.Channel.PHONE,
        direction=ContactEvent.Direction.OUTBOUND,
        by=application.owner,
        summary="Talked through the client's feedback on the interview",
    )
    feedback.refresh_from_db()
    assert feedback.resolved_at == NOW
    assert feedback.resolution == "Phone to the candidate"


def test_feedback_owed_stays_open_while_the_application_is_active_again():
    application = overdue_application(stage=Stage.SCREENING)
    feedback = PromptFactory(application=application, reason=Reason.FEEDBACK_OWED)
    services.contact_log(
        application=application,
        channel=ContactEvent.Channel.EMAIL,
        direction=ContactEvent.Direction.OUTBOUND,
        by=application.owner,
    )
    feedback.refresh_from_db()
    assert feedback.resolved_at is None


def _sent_message(application) -> OutboundMessage:
    return OutboundMessageFactory(
        application=application,
        template_code="check_in",
        subject="Still in process",
        body_text="We have no news yet.",
        status=OutboundMessage.Status.SENT,
        sent_at=NOW,
    )


def test_a_bounce_prompt_is_resolved_by_a_call_the_recruiter_logs_not_by_another_email():
    application = overdue_application()
    bounced = PromptFactory(application=application, reason=Reason.DELIVERY_FAILED)
    services.contact_log_messages_sent(
        messages=[services.MessageSent(application.pk, _sent_message(application).pk, "Another email")], at=NOW
    )
    bounced.refresh_from_db()
    assert bounced.resolved_at is None
    services.contact_log(
        application=application,
        channel=ContactEvent.Channel.PHONE,
        direction=ContactEvent.Direction.OUTBOUND,
        by=application.owner,
    )
    bounced.refresh_from_db()
    assert bounced.resolved_at == NOW


def test_prompt_resolve_by_hand_needs_a_resolution_and_is_audited():
    application = ApplicationFactory(stage=Stage.REJECTED, closed_at=NOW)
    prompt = PromptFactory(application=application, reason=Reason.FEEDBACK_OWED)
    with pytest.raises(ValidationError, match="Say how"):
        prompts.prompt_resolve(prompt=prompt, by=application.owner, resolution="   ")
    resolved = prompts.prompt_resolve(prompt=prompt, by=application.owner, resolution="Feedback given in person")
    assert resolved.resolved_at == NOW
    assert resolved.resolution == "Feedback given in person"
    # A second click changes nothing.
    later = prompts.prompt_resolve(prompt=prompt, by=application.owner, resolution="Again")
    assert later.resolution == "Feedback given in person"
    assert AuditLog.objects.filter(action="prompt.resolve", object_id=prompt.pk).count() == 1


def test_an_overdue_prompt_cannot_be_waved_away_while_the_update_is_still_overdue():
    application = overdue_application()
    prompt = PromptFactory(application=application, reason=Reason.OVERDUE)
    with pytest.raises(ValidationError, match="still owed an update"):
        prompts.prompt_resolve(prompt=prompt, by=application.owner, resolution="Done")
    prompt.refresh_from_db()
    assert prompt.resolved_at is None


def test_only_the_owner_their_team_lead_or_an_admin_may_resolve(admin_user):
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    team = TeamFactory(lead=lead)
    owner = UserFactory(profile__team=team)
    application = ApplicationFactory(candidate__owner=owner, stage=Stage.REJECTED, closed_at=NOW)
    prompt = PromptFactory(application=application, reason=Reason.FEEDBACK_OWED)
    with pytest.raises(PermissionDenied):
        prompts.prompt_resolve(prompt=prompt, by=UserFactory(), resolution="Not mine")
    assert prompts.prompt_resolve(prompt=prompt, by=lead, resolution="Covered for them").resolved_at == NOW
    other = PromptFactory(application=application, reason=Reason.OUTCOME_UNKNOWN)
    assert prompts.prompt_resolve(prompt=other, by=admin_user, resolution="Checked: it arrived").resolved_at == NOW


def test_check_in_queues_one_message_per_application_and_links_the_prompts(django_capture_on_commit_callbacks):
    owner = UserFactory()
    first = overdue_application(candidate__owner=owner)
    second = overdue_application(candidate__owner=owner)
    prompt = PromptFactory(application=first)
    with django_capture_on_commit_callbacks(execute=False):
        result = message_services.check_ins_queue(applications=[first, second], by=owner)
    assert result.skipped == []
    assert {message.application_id for message in result.queued} == {first.pk, second.pk}
    messages = OutboundMessage.objects.filter(application__in=[first, second], template_code="check_in")
    assert messages.count() == 2
    prompt.refresh_from_db()
    assert prompt.message.application_id == first.pk
    assert prompt.resolved_at is None  # it closes when the message is actually sent


def test_check_in_checks_permission_for_the_whole_selection_before_queuing_anything():
    owner = UserFactory()
    mine = overdue_application(candidate__owner=owner)
    theirs = overdue_application()
    with pytest.raises(PermissionDenied):
        message_services.check_ins_queue(applications=[mine, theirs], by=owner)
    assert not OutboundMessage.objects.filter(template_code="check_in").exists()


def test_open_prompts_for_a_recruiter_a_team_lead_and_an_admin(admin_user, django_assert_num_queries):
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    team = TeamFactory(lead=lead)
    member = UserFactory(profile__team=team)
    outsider = UserFactory()
    member_prompt = PromptFactory(application__candidate__owner=member, due_at=NOW - timedelta(days=1))
    member_older = PromptFactory(application__candidate__owner=member, due_at=NOW - timedelta(days=3))
    outsider_prompt = PromptFactory(application__candidate__owner=outsider)
    PromptFactory(application__candidate__owner=member, resolved_at=NOW, resolution="Called")
    PromptFactory(application__candidate__owner=member, snoozed_until=NOW + timedelta(days=1), snooze_reason="Later")

    assert list(selectors.prompts_open_for_user(user=member)) == [member_older, member_prompt]
    assert list(selectors.prompts_open_for_user(user=outsider)) == [outsider_prompt]
    assert set(selectors.prompts_open_for_user(user=lead)) == {member_prompt, member_older}
    assert set(selectors.prompts_open_for_user(user=admin_user)) == {member_prompt, member_older, outsider_prompt}
    assert selectors.prompts_snoozed_for_user(user=member).count() == 1
    assert selectors.prompts_open_for_user(user=member, include_snoozed=True).count() == 3

    listed = selectors.prompts_open_for_user(user=member)
    with django_assert_num_queries(1):
        rows = [(p.application.candidate.full_name, p.application.job.client.name, p.recruiter.pk) for p in listed]
    assert len(rows) == 2


def test_a_team_lead_sees_the_escalations_sent_to_them():
    lead = UserFactory(profile__role=Role.TEAM_LEAD)
    escalated = PromptFactory(escalated_at=timezone.now(), escalated_to=lead)
    PromptFactory()
    assert list(selectors.prompts_escalated_to(user=lead)) == [escalated]
    assert escalated in selectors.prompts_open_for_user(user=lead)


def test_check_in_skips_a_candidate_who_paused_automated_updates_and_says_why(django_capture_on_commit_callbacks):
    owner = UserFactory()
    paused = overdue_application(candidate__owner=owner, candidate__automated_updates_paused=True)
    closed = ApplicationFactory(candidate__owner=owner, stage=Stage.WITHDRAWN, closed_at=NOW)
    prompt = PromptFactory(application=paused)
    with django_capture_on_commit_callbacks(execute=False):
        result = message_services.check_ins_queue(applications=[paused, closed], by=owner)
    assert result.queued == []
    reasons = {application.pk: why for application, why in result.skipped}
    assert reasons[paused.pk] == "The candidate paused automated updates."
    assert "only makes sense while the application is open" in reasons[closed.pk]
    prompt.refresh_from_db()
    assert prompt.message is None


def test_a_late_rejection_owes_feedback_in_three_business_days_and_the_feedback_call_settles_it(frozen):
    friday = datetime(2026, 11, 20, 15, tzinfo=UTC)
    frozen.move_to(friday)
    owner = UserFactory()
    candidate = CandidateFactory(owner=owner)
    application = services.application_create(candidate=candidate, job=JobFactory(owner=owner), by=owner, notify=False)
    services.application_move(application=application, to_stage=Stage.SUBMITTED, by=owner, notify=False)
    services.application_move(application=application, to_stage=Stage.REJECTED, by=owner)

    feedback = RecruiterPrompt.objects.get(application=application, reason=Reason.FEEDBACK_OWED)
    assert feedback.recruiter == owner
    assert feedback.due_at == datetime(2026, 11, 25, 15, tzinfo=UTC)  # Wednesday: three business days on
    assert feedback.escalate_at == datetime(2026, 11, 27, 15, tzinfo=UTC)  # two more, as an overdue update
    assert not OutboundMessage.objects.filter(application=application, template_code="rejection_early").exists()

    frozen.move_to(friday + timedelta(days=3))
    services.contact_log(
        application=application,
        channel=ContactEvent.Channel.PHONE,
        direction=ContactEvent.Direction.OUTBOUND,
        by=owner,
        summary="Went through the client's feedback",
    )
    feedback.refresh_from_db()
    assert feedback.resolved_at == friday + timedelta(days=3)


def test_the_open_prompts_of_one_application_oldest_first(django_assert_num_queries):
    application = overdue_application()
    later = PromptFactory(application=application, reason=Reason.CANDIDATE_ASKED, due_at=NOW)
    earlier = PromptFactory(application=application, reason=Reason.OVERDUE, due_at=NOW - timedelta(days=1))
    PromptFactory(application=application, reason=Reason.OUTCOME_UNKNOWN, resolved_at=NOW, resolution="Arrived")
    PromptFactory()
    with django_assert_num_queries(1):
        listed = [(p.pk, p.recruiter.pk) for p in selectors.prompts_open_for_application(application_id=application.pk)]
    assert listed == [(earlier.pk, application.owner_id), (later.pk, application.owner_id)]
