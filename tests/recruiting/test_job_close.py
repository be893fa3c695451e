"""Closing a job moves its live applications in bulk, a batch at a time: the same rows as moving them one by
one (history, audit, clock, messages, prompts; docs/rules.md#candidate-wishes,
docs/rules.md#rejection-by-depth, docs/rules.md#many-jobs), in a number of queries that does not grow
with the batch."""

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from candidates.services.people import candidate_set_preferences
from notifications.models import OutboundMessage, Suppression
from notifications.services.stage_emails import OFFER_ELSEWHERE_REASON
from recruiting.models import (
    ACTIVE_STAGES,
    Application,
    AuditLog,
    FirmHoliday,
    Job,
    RecruiterPrompt,
    Stage,
    StageChange,
)
from recruiting.services import application_create, application_move
from recruiting.services.jobs import job_close
from tests.factories import CandidateFactory, JobFactory, PromptFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status
Reason = RecruiterPrompt.Reason
# Wednesday 4 March 2026, 10:00 UTC: inside business hours; Thursday 5 March is a firm holiday below.
WEDNESDAY_10 = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)
NOTE = "The job was closed."


@pytest.fixture(autouse=True)
def wednesday_morning():
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def closer():
    return UserFactory(profile__role="admin")


def applicant(job, *stages, owner=None, **candidate_fields):
    """An application for `job` made through the services, moved along `stages`."""
    owner = owner or job.owner
    candidate = CandidateFactory(owner=owner, **candidate_fields)
    # The candidate applied (by=None): `owner` may be a recruiter who could not add to another's job.
    application = application_create(candidate=candidate, job=job, by=None, owner=owner)
    for stage in stages:
        application_move(application=application, to_stage=stage, by=owner)
    application.refresh_from_db()
    return application


def elsewhere(application, *stages):
    """Another application of the same candidate, for another job, moved along `stages`."""
    owner = application.owner
    other = application_create(candidate=application.candidate, job=JobFactory(owner=owner), by=owner, owner=owner)
    for stage in stages:
        application_move(application=other, to_stage=stage, by=owner)
    return other


def close_scenario(job):
    """One application of every kind a closing meets; returns them by name."""
    owner, colleague = job.owner, UserFactory(profile__signature="Sam, the fintech desk")
    FirmHoliday.objects.create(date=dt.date(2026, 3, 5), name="Firm day")
    apps = {
        "new": applicant(job),
        "screening": applicant(job, Stage.SCREENING, owner=colleague),
        "submitted": applicant(job, Stage.SCREENING, Stage.SUBMITTED),
        "interviewing": applicant(job, Stage.SUBMITTED, Stage.INTERVIEWING, owner=colleague),
        "offer": applicant(job, Stage.SUBMITTED, Stage.OFFER),
        "back_from_client": applicant(job, Stage.SUBMITTED, Stage.SCREENING),
        "offer_elsewhere": applicant(job, Stage.SCREENING),
        "placed_elsewhere": applicant(job),
        "do_not_contact": applicant(job, Stage.SCREENING),
        "do_not_contact_late": applicant(job, Stage.SUBMITTED),
        "paused": applicant(job, owner=colleague),
        "suppressed_address": applicant(job, Stage.SCREENING),
        "one_other_live": applicant(job),
        "two_other_live": applicant(job, Stage.SCREENING),
        "feedback_already_owed": applicant(job, Stage.SUBMITTED),
        "tokyo": applicant(job, time_zone="Asia/Tokyo"),
        "no_news": applicant(job, Stage.SCREENING, first_name="Zoë"),
    }
    elsewhere(apps["offer_elsewhere"], Stage.SUBMITTED, Stage.OFFER)
    elsewhere(apps["placed_elsewhere"], Stage.SUBMITTED, Stage.OFFER, Stage.PLACED)
    elsewhere(apps["one_other_live"])
    elsewhere(apps["two_other_live"], Stage.SCREENING)
    elsewhere(apps["two_other_live"])
    for name in ("do_not_contact", "do_not_contact_late"):
        candidate_set_preferences(candidate=apps[name].candidate, by=owner, do_not_contact=True, reason="Found a job")
    candidate_set_preferences(candidate=apps["paused"].candidate, by=colleague, automated_updates_paused=True)
    Suppression.objects.create(email=apps["suppressed_address"].candidate.email.upper(), reason="bounced")
    PromptFactory(application=apps["feedback_already_owed"], reason=Reason.FEEDBACK_OWED)
    # The stage emails of the moves above go out, so that only some applications still have one waiting.
    OutboundMessage.objects.filter(application=apps["no_news"]).update(status=Status.SENT)
    return apps


def _stage_change_of(stage_change_id):
    if stage_change_id is None:
        return None
    change = StageChange.objects.get(pk=stage_change_id)
    return (change.application_id, change.from_stage, change.to_stage)


def snapshot(*, audit_after: int, changes_after: int) -> dict:
    """Every row a closing writes or changes, with the ids of new rows replaced by what they stand for."""
    messages = {}
    for message in OutboundMessage.objects.all():
        stage_change = _stage_change_of(message.stage_change_id)
        assert message.idempotency_key.startswith(f"stage:{message.stage_change_id}:")
        messages[message.pk] = (
            message.application_id,
            message.candidate_id,
            stage_change,
            message.template_code,
            message.status,
            message.status_reason,
            message.subject,
            message.body_text,
            message.body_html,
            message.to_address,
            message.send_after,
            message.send_window_tz,
            message.created_at,
            message.created_by_id,
        )
    prompts = {
        prompt.pk: (
            prompt.application_id,
            prompt.recruiter_id,
            prompt.reason,
            prompt.detail,
            prompt.due_at,
            prompt.created_at,
            prompt.resolved_at,
        )
        for prompt in RecruiterPrompt.objects.all()
    }
    audits = []
    for row in AuditLog.objects.filter(pk__gt=audit_after).exclude(object_type="recruiting.job"):
        details = dict(row.details)
        if "stage_change" in details:
            details["stage_change"] = _stage_change_of(details["stage_change"])
        target = {
            "notifications.outboundmessage": lambda pk: messages[pk][:4],
            "recruiting.recruiterprompt": lambda pk: prompts[pk][:3],
        }.get(row.object_type, lambda pk: pk)(row.object_id)
        action = "application.close_with_job" if row.action == "application.move" else row.action
        audits.append(repr((row.actor_id, action, row.object_type, target, sorted(details.items()), row.at)))
    return {
        "applications": list(
            Application.objects.order_by("pk").values_list(
                "pk", "stage", "stage_entered_at", "closed_at", "next_update_due", "promised_next_step_date"
            )
        ),
        "stage_changes": sorted(
            StageChange.objects.filter(pk__gt=changes_after).values_list(
                "application_id", "from_stage", "to_stage", "by_id", "at", "note", "next_step_date", "notify"
            )
        ),
        "messages": sorted(map(repr, messages.values())),
        "prompts": sorted(map(repr, prompts.values())),
        "audit": sorted(audits),
    }


def rolled_back(close) -> dict:
    """What `close` writes, read before it is rolled back (so that the next way starts from the same rows)."""
    audit_after = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    changes_after = StageChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        close()
        result = snapshot(audit_after=audit_after, changes_after=changes_after)
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize(
    ("outcome", "notify", "batch_size"),
    [(Stage.REJECTED, True, 10), (Stage.REJECTED, True, 100), (Stage.WITHDRAWN, True, 7), (Stage.WITHDRAWN, False, 10)],
)
def test_closing_in_bulk_writes_exactly_what_moving_one_at_a_time_writes(closer, outcome, notify, batch_size):
    job = JobFactory()
    apps = close_scenario(job)
    live = list(Application.objects.filter(job=job, stage__in=ACTIVE_STAGES).order_by("pk"))

    def one_at_a_time():
        for application in live:
            application_move(application=application, to_stage=outcome, by=closer, note=NOTE, notify=notify)

    def in_bulk():
        assert job_close(job=job, by=closer, outcome=outcome, notify=notify, batch_size=batch_size) == len(apps)

    single, bulk = rolled_back(one_at_a_time), rolled_back(in_bulk)

    assert len(bulk["stage_changes"]) == len(apps)
    for part in ("applications", "stage_changes", "messages", "prompts", "audit"):
        assert bulk[part] == single[part], part


def messages_of(application):
    return list(OutboundMessage.objects.filter(application=application).order_by("pk"))


def closing(application):
    (message,) = [m for m in messages_of(application) if m.stage_change.to_stage == Stage.REJECTED]
    return message


def test_what_closing_a_job_owes_each_candidate(closer):
    job = JobFactory()
    apps = close_scenario(job)
    updates = []

    def progress(done, total):
        updates.append((done, total))

    moved = job_close(job=job, by=closer, outcome=Stage.REJECTED, notify=True, progress=progress, batch_size=5)

    assert moved == len(apps) == 17
    assert updates == [(0, 17), (5, 17), (10, 17), (15, 17), (17, 17)]
    job.refresh_from_db()
    assert job.status == Job.Status.CLOSED
    for application in apps.values():
        application.refresh_from_db()
        assert application.stage == Stage.REJECTED
        assert application.closed_at == WEDNESDAY_10 == application.stage_entered_at
        assert application.next_update_due is None
        change = application.stage_changes.first()
        assert (change.to_stage, change.by, change.note, change.at) == (Stage.REJECTED, closer, NOTE, WEDNESDAY_10)

    # Early rejection: held 24 hours, then the candidate's business hours, the firm's holiday skipped.
    early = closing(apps["new"])
    assert (early.template_code, early.status, early.status_reason) == ("rejection_early", Status.HELD, "")
    assert early.send_after == dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)
    assert early.idempotency_key == f"stage:{early.stage_change_id}:rejection_early"
    assert closing(apps["tokyo"]).send_after == dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    # The acknowledgment still waiting is cancelled by the closing.
    acknowledgment = messages_of(apps["new"])[0]
    assert acknowledgment.status == Status.CANCELLED
    assert acknowledgment.status_reason == "Cancelled: superseded by the move to Rejected."
    assert "This decision is only about this one role" not in early.body_text
    # docs/rules.md#confidential-client: a client that never saw the candidate stays unnamed.
    assert "a client of ours in fintech" in early.body_text
    assert job.client.name not in early.body_text + early.subject
    assert "your other application with us is still open" in closing(apps["one_other_live"]).body_text
    assert "your 2 other applications with us are still open" in closing(apps["two_other_live"]).body_text
    assert "Sam, the fintech desk" in closing(apps["screening"]).body_text
    assert "Zoë" in closing(apps["no_news"]).body_text

    # Late rejection (the client saw the candidate): no email, feedback owed in three business days.
    for name in ("submitted", "interviewing", "offer", "back_from_client", "do_not_contact_late"):
        assert not [m for m in messages_of(apps[name]) if m.stage_change.to_stage == Stage.REJECTED], name
    for name in ("submitted", "interviewing", "offer", "back_from_client", "feedback_already_owed"):
        (prompt,) = RecruiterPrompt.objects.filter(application=apps[name], reason=Reason.FEEDBACK_OWED)
        assert prompt.recruiter == apps[name].owner
        assert prompt.resolved_at is None
    owed = RecruiterPrompt.objects.get(application=apps["submitted"], reason=Reason.FEEDBACK_OWED)
    assert owed.due_at == dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
    assert not RecruiterPrompt.objects.filter(application=apps["do_not_contact_late"]).exists()

    # docs/rules.md#many-jobs: an offer or placement elsewhere, the rejection is written cancelled with the reason.
    for name in ("offer_elsewhere", "placed_elsewhere"):
        message = closing(apps[name])
        assert (message.status, message.status_reason) == (Status.CANCELLED, OFFER_ELSEWHERE_REASON), name
    # docs/rules.md#candidate-wishes: do not contact, paused, or an address on the suppression list.
    assert closing(apps["do_not_contact"]).status_reason == "The candidate asked not to be contacted: Found a job"
    assert closing(apps["paused"]).status_reason == "The candidate paused automated updates."
    assert closing(apps["suppressed_address"]).status_reason.startswith("The address is on the suppression list")
    for name in ("do_not_contact", "paused", "suppressed_address"):
        assert closing(apps[name]).status == Status.SUPPRESSED

    # The audit trail: each move, each message written or cancelled, each prompt opened.
    ids = [application.pk for application in apps.values()]
    moves = AuditLog.objects.filter(action="application.close_with_job", object_id__in=ids)
    assert moves.count() == 17
    assert set(moves.values_list("actor", flat=True)) == {closer.pk}
    assert moves.get(object_id=apps["interviewing"].pk).details == {
        "from": Stage.INTERVIEWING,
        "to": Stage.REJECTED,
        "notify": True,
        "next_step_date": "",
    }
    written = OutboundMessage.objects.filter(application__in=ids, stage_change__to_stage=Stage.REJECTED)
    assert written.count() == 11
    queued = AuditLog.objects.filter(action="message.queue", object_id__in=written.values("pk"))
    assert queued.count() == 11
    assert queued.get(object_id=closing(apps["paused"]).pk).details == {
        "template": "rejection_early",
        "status": Status.SUPPRESSED,
        "reason": "The candidate paused automated updates.",
    }
    cancel = AuditLog.objects.get(action="message.cancel", object_id=acknowledgment.pk)
    assert cancel.details == {
        "reason": "Cancelled: superseded by the move to Rejected.",
        "stage_change": apps["new"].stage_changes.first().pk,
    }
    opened = AuditLog.objects.filter(action="prompt.open", details__reason=Reason.FEEDBACK_OWED)
    assert opened.count() == 4


def test_closing_twice_writes_each_message_once(closer, django_capture_on_commit_callbacks):
    job = JobFactory()
    new, late = applicant(job), applicant(job, Stage.SUBMITTED)

    with django_capture_on_commit_callbacks() as callbacks:
        assert job_close(job=job, by=closer, outcome=Stage.REJECTED, notify=True) == 2
        assert job_close(job=job, by=closer, outcome=Stage.REJECTED, notify=True) == 0

    assert OutboundMessage.objects.filter(application=new, template_code="rejection_early").count() == 1
    assert RecruiterPrompt.objects.filter(application=late, reason=Reason.FEEDBACK_OWED).count() == 1
    assert StageChange.objects.filter(application__job=job, to_stage=Stage.REJECTED).count() == 2
    # A rejection held for 24 hours wakes no worker: the relay finds it when it is due.
    assert callbacks == []


def mixed_job(size):
    """A job with `size` live applications of every kind (early, late, offer elsewhere, do not contact, the wording)."""
    job = JobFactory()
    kinds = [
        lambda: applicant(job),
        lambda: applicant(job, Stage.SCREENING),
        lambda: applicant(job, Stage.SUBMITTED),
        lambda: applicant(job, Stage.SUBMITTED, Stage.INTERVIEWING),
        lambda: applicant(job, Stage.SUBMITTED, Stage.SCREENING),
        lambda: elsewhere(applicant(job), Stage.SUBMITTED, Stage.OFFER),
        lambda: elsewhere(applicant(job, Stage.SCREENING)),
        lambda: applicant(job, automated_updates_paused=True),
        lambda: applicant(job, do_not_contact=True, do_not_contact_reason="Moved abroad"),
        lambda: applicant(job, time_zone="America/New_York"),
    ]
    for index in range(size):
        kinds[index % len(kinds)]()
    return job


def test_a_batch_costs_the_same_queries_whatever_its_size(closer):
    small, large = mixed_job(10), mixed_job(50)

    with CaptureQueriesContext(connection) as ten:
        assert job_close(job=small, by=closer, outcome=Stage.REJECTED, notify=True, batch_size=10) == 10
    with CaptureQueriesContext(connection) as fifty:
        assert job_close(job=large, by=closer, outcome=Stage.REJECTED, notify=True, batch_size=50) == 50

    assert len(fifty.captured_queries) == len(ten.captured_queries)
    # The job, then one batch (its lock, the moves and what they owe), then the empty batch that ends it.
    assert len(ten.captured_queries) <= 40
    assert OutboundMessage.objects.filter(application__job=large, stage_change__to_stage=Stage.REJECTED).count() == 35
