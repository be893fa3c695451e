"""Editing a stage policy or a firm holiday moves the clock of every active application (docs/architecture.md)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from inloop.celery import app
from recruiting import services
from recruiting.models import Application, AuditLog, FirmHoliday, Stage, StagePolicy
from tests.factories import CandidateFactory, JobFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY_10 = datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


def screening(candidate=None):
    candidate = candidate or CandidateFactory()
    application = services.application_create(
        candidate=candidate, job=JobFactory(owner=candidate.owner), by=candidate.owner, notify=False
    )
    services.application_move(application=application, to_stage=Stage.SCREENING, by=candidate.owner, notify=False)
    application.refresh_from_db()
    return application


def test_a_policy_edit_moves_every_active_clock_and_leaves_the_rest(frozen):
    active = [screening() for _ in range(5)]
    closed = screening()
    services.application_move(application=closed, to_stage=Stage.REJECTED, by=closed.candidate.owner, notify=False)
    before = {a.pk: a.next_update_due for a in active}
    StagePolicy.objects.update_or_create(stage=Stage.SCREENING, defaults={"max_silent_business_days": 2})

    changed = services.clocks_recompute(
        by=None, cause="recruiting.stagepolicy", cause_id=1, reason="Screening: 2 days", batch_size=2
    )

    assert changed == 5
    for application in Application.objects.filter(pk__in=before):
        assert application.next_update_due == MONDAY_10 + timedelta(days=2)
        assert application.next_update_due != before[application.pk]
    assert Application.objects.get(pk=closed.pk).next_update_due is None
    audit = AuditLog.objects.get(action="clocks.recompute")
    assert audit.details == {"reason": "Screening: 2 days", "changed": 5}
    assert (audit.object_type, audit.object_id) == ("recruiting.stagepolicy", 1)


def test_a_new_holiday_pushes_the_clock_back_and_a_second_run_changes_nothing(frozen):
    application = screening()
    due = application.next_update_due
    FirmHoliday.objects.create(date=date(2026, 11, 25), name="Firm day off")

    assert services.clocks_recompute(by=None, cause="recruiting.firmholiday", cause_id=1, reason="added") == 1
    application.refresh_from_db()
    assert application.next_update_due == due + timedelta(days=1)
    assert services.clocks_recompute(by=None, cause="recruiting.firmholiday", cause_id=1, reason="again") == 0


def test_a_candidate_who_asked_not_to_be_contacted_stays_off_the_clock(frozen):
    application = screening()
    Application.objects.filter(pk=application.pk).update(next_update_due=None, escalate_at=None, safety_net_at=None)
    application.candidate.do_not_contact = True
    application.candidate.save()

    assert services.clocks_recompute(by=None, cause="recruiting.firmholiday", cause_id=1, reason="x") == 0
    assert Application.objects.get(pk=application.pk).next_update_due is None


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, profile__role="admin"))
    app.conf.task_always_eager = True
    yield client
    app.conf.task_always_eager = False


def test_saving_a_policy_in_the_admin_recomputes_after_the_commit(
    admin_client, frozen, django_capture_on_commit_callbacks
):
    application = screening()
    policy = StagePolicy.objects.create(stage=Stage.SCREENING, max_silent_business_days=5)
    url = reverse("admin:recruiting_stagepolicy_change", args=[policy.pk])
    data = {
        "stage": Stage.SCREENING,
        "max_silent_business_days": 1,
        "grace_business_days": 1,
        "escalate_after_business_days": 2,
        "notify_candidate": "on",
        "template_code": "",
        "hold_minutes": 10,
        "feedback_due_business_days": 3,
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data, follow=True)

    assert response.status_code == 200
    assert "being recomputed" in response.content.decode()
    application.refresh_from_db()
    assert application.next_update_due == MONDAY_10 + timedelta(days=1)
    assert AuditLog.objects.filter(action="clocks.recompute", object_id=policy.pk).exists()


def test_deleting_a_holiday_in_the_admin_recomputes(admin_client, frozen, django_capture_on_commit_callbacks):
    holiday = FirmHoliday.objects.create(date=date(2026, 11, 24), name="Firm day off")
    application = screening()
    with_holiday = application.next_update_due

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:recruiting_firmholiday_delete", args=[holiday.pk]), {"post": "yes"})

    application.refresh_from_db()
    assert application.next_update_due == with_holiday - timedelta(days=1)
    assert AuditLog.objects.get(action="clocks.recompute").object_id == holiday.pk


def test_a_policy_edit_that_leaves_the_clock_alone_recomputes_nothing(
    admin_client, frozen, django_capture_on_commit_callbacks
):
    policy = StagePolicy.objects.create(stage=Stage.SCREENING, max_silent_business_days=5)
    data = {
        "stage": Stage.SCREENING,
        "max_silent_business_days": 5,
        "grace_business_days": 1,
        "escalate_after_business_days": 2,
        "notify_candidate": "on",
        "template_code": "",
        "hold_minutes": 30,
        "feedback_due_business_days": 3,
    }

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            reverse("admin:recruiting_stagepolicy_change", args=[policy.pk]), data, follow=True
        )

    assert response.status_code == 200
    assert StagePolicy.objects.get(pk=policy.pk).hold_minutes == 30
    assert "being recomputed" not in response.content.decode()
    assert callbacks == []
    assert not AuditLog.objects.filter(action="clocks.recompute").exists()
