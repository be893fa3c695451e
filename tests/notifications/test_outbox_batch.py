"""The batch form of the stage-change notify and what it writes with: one message per event however often
the event is handled, wake-ups after commit only for what is due soon, prompts and messages written
meanwhile by another process left standing."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from inloop.celery import app as celery_app
from notifications.models import OutboundMessage
from notifications.services import stage_emails
from recruiting.models import AuditLog, RecruiterPrompt, Stage, StagePolicy
from recruiting.services import application_create, applications_move_locked, prompts
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory, PromptFactory

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status
Reason = RecruiterPrompt.Reason
WEDNESDAY_10 = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def wednesday_morning():
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


def new_applications(count, job=None):
    job = job or JobFactory()
    applications = []
    for _ in range(count):
        candidate = CandidateFactory(owner=job.owner)
        applications.append(application_create(candidate=candidate, job=job, by=job.owner, notify=False))
    return applications


def moved_to(applications, stage):
    return applications_move_locked(
        applications=applications,
        to_stage=stage,
        by=None,
        note="",
        next_step_date=None,
        notify=True,
        action="application.move",
    )


def test_the_same_events_handled_twice_give_one_message_each_and_one_audit_row(django_capture_on_commit_callbacks):
    StagePolicy.objects.create(stage=Stage.SCREENING, hold_minutes=0)
    applications = new_applications(3)
    with django_capture_on_commit_callbacks() as callbacks:
        changes = moved_to(applications, Stage.SCREENING)
        again = stage_emails.stage_changes_notify(stage_changes=changes, by=None)

    first = list(OutboundMessage.objects.filter(stage_change__in=changes).order_by("stage_change_id"))
    assert [message.stage_change for message in first] == changes
    assert [message.pk for message in again] == [message.pk for message in first]
    assert {message.status for message in first} == {Status.QUEUED}
    assert AuditLog.objects.filter(action="message.queue", object_id__in=[m.pk for m in first]).count() == 3
    # One wake-up callback for the batch, none for the second handling.
    assert len(callbacks) == 1


def test_a_batch_wakes_a_worker_per_message_due_soon_after_commit_and_none_for_held_ones(
    monkeypatch, django_capture_on_commit_callbacks
):
    StagePolicy.objects.create(stage=Stage.SCREENING, hold_minutes=0)
    woken = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, args, kwargs, **options: woken.append(args[0]))
    screening, rejected = new_applications(2), new_applications(2)

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            moved_to(screening, Stage.SCREENING)
            moved_to(rejected, Stage.REJECTED)
            assert woken == []

    due_now = OutboundMessage.objects.filter(application__in=screening, status=Status.QUEUED)
    assert sorted(woken) == sorted(due_now.values_list("pk", flat=True))
    assert len(woken) == 2
    assert OutboundMessage.objects.filter(application__in=rejected, status=Status.HELD).count() == 2


def test_a_broker_down_leaves_the_batch_to_the_relay(monkeypatch, django_capture_on_commit_callbacks, caplog):
    StagePolicy.objects.create(stage=Stage.SCREENING, hold_minutes=0)
    calls = []

    def broker_down(name, args, kwargs, **options):
        calls.append(args)
        raise ConnectionError("broker down")

    monkeypatch.setattr(celery_app, "send_task", broker_down)
    applications = new_applications(3)
    with django_capture_on_commit_callbacks(execute=True):
        moved_to(applications, Stage.SCREENING)

    assert OutboundMessage.objects.filter(application__in=applications, status=Status.QUEUED).count() == 3
    # The first failure stops the wake-ups: the relay finds every due row.
    assert len(calls) == 1
    assert "the work waits in the database" in caplog.text


def test_opening_prompts_in_bulk_keeps_an_open_one_and_opens_the_rest_once():
    applications = [ApplicationFactory() for _ in range(3)]
    already = PromptFactory(application=applications[0], reason=Reason.FEEDBACK_OWED)
    PromptFactory(application=applications[1], reason=Reason.FEEDBACK_OWED, resolved_at=WEDNESDAY_10)

    opened = prompts.prompts_open_many(
        applications=applications, reason=Reason.FEEDBACK_OWED, detail="Feedback owed", due_at=WEDNESDAY_10
    )
    again = prompts.prompts_open_many(applications=applications, reason=Reason.FEEDBACK_OWED, due_at=WEDNESDAY_10)

    assert [prompt.application for prompt in opened] == applications[1:]
    assert again == []
    open_prompts = RecruiterPrompt.objects.filter(reason=Reason.FEEDBACK_OWED, resolved_at__isnull=True)
    assert sorted(open_prompts.values_list("application", flat=True)) == [a.pk for a in applications]
    assert open_prompts.get(application=applications[0]) == already
    assert {(p.recruiter_id, p.detail) for p in opened} == {(a.owner_id, "Feedback owed") for a in applications[1:]}
    audits = AuditLog.objects.filter(action="prompt.open", object_type="recruiting.recruiterprompt")
    assert sorted(audits.values_list("object_id", flat=True)) == sorted(p.pk for p in opened)
    assert audits.get(object_id=opened[0].pk).details == {"application": applications[1].pk, "reason": "feedback_owed"}


def test_a_prompt_opened_meanwhile_by_another_process_stands_and_is_not_opened_twice(monkeypatch):
    applications = [ApplicationFactory() for _ in range(2)]
    manager = type(RecruiterPrompt.objects)
    original = manager.bulk_create

    def another_process_first(self, objs, **kwargs):
        if self.model is not RecruiterPrompt:  # the manager class is shared (the audit rows on SQLite)
            return original(self, objs, **kwargs)
        # Between our read of the open prompts and our insert, another process opens one of them.
        RecruiterPrompt.objects.create(
            application=applications[0], recruiter=applications[0].owner, reason=Reason.FEEDBACK_OWED, detail="theirs"
        )
        return original(self, objs, **kwargs)

    monkeypatch.setattr(manager, "bulk_create", another_process_first)
    prompts.prompts_open_many(applications=applications, reason=Reason.FEEDBACK_OWED, detail="ours")

    rows = RecruiterPrompt.objects.filter(reason=Reason.FEEDBACK_OWED).order_by("application")
    assert [(row.application, row.detail) for row in rows] == [(applications[0], "theirs"), (applications[1], "ours")]


def test_a_message_written_meanwhile_by_another_process_stands_and_is_not_written_twice(monkeypatch):
    (application,) = new_applications(1)
    (change,) = moved_to([application], Stage.SCREENING)
    OutboundMessage.objects.filter(stage_change=change).delete()
    key = f"stage:{change.pk}:screening"
    manager = type(OutboundMessage.objects)
    original = manager.bulk_create

    def another_process_first(self, objs, **kwargs):
        if self.model is not OutboundMessage:  # the manager class is shared (the audit rows on SQLite)
            return original(self, objs, **kwargs)
        theirs = objs[0]
        OutboundMessage.objects.create(
            idempotency_key=key,
            template_code="screening",
            subject="theirs",
            body_text="theirs",
            to_address=theirs.to_address,
            application=application,
            candidate=application.candidate,
            stage_change=change,
        )
        return original(self, objs, **kwargs)

    monkeypatch.setattr(manager, "bulk_create", another_process_first)
    (message,) = stage_emails.stage_changes_notify(stage_changes=[change], by=None)

    assert OutboundMessage.objects.filter(idempotency_key=key).count() == 1
    assert message.subject == "theirs"
