"""The keep-in-the-loop scan: one prompt per overdue application, safe to run twice or twice at once."""

import re
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from candidates.models import Candidate
from recruiting.models import Application, AuditLog, RecruiterPrompt, Stage
from recruiting.services import scan
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    JobFactory,
    PromptFactory,
    TeamFactory,
    UserFactory,
)

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 24, 11, tzinfo=UTC)  # a Tuesday
Reason = RecruiterPrompt.Reason


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def overdue(**kwargs):
    kwargs.setdefault("next_update_due", NOW - timedelta(hours=3))
    # The later steps of the schedule, as the clock writes them: the lead two days on, the safety net far off.
    kwargs.setdefault("escalate_at", kwargs["next_update_due"] + timedelta(days=2))
    kwargs.setdefault("safety_net_at", kwargs["next_update_due"] + timedelta(days=30))
    kwargs.setdefault("created_at", NOW - timedelta(days=4))
    kwargs.setdefault("stage", Stage.SCREENING)
    return ApplicationFactory(**kwargs)


@pytest.mark.django_db
def test_the_scan_opens_one_prompt_per_overdue_application_due_at_its_next_update(frozen):
    late = overdue()
    very_late = overdue(next_update_due=NOW - timedelta(hours=20))
    ApplicationFactory(next_update_due=NOW + timedelta(hours=1))  # not yet due
    ApplicationFactory(stage=Stage.REJECTED, closed_at=NOW, next_update_due=None)  # closed: nothing owed
    ApplicationFactory(candidate=CandidateFactory(do_not_contact=True), next_update_due=None)

    result = scan.prompts_scan_overdue()

    assert (result.found, result.created, result.escalated) == (2, 2, 0)
    opened = {p.application_id: p for p in RecruiterPrompt.objects.all()}
    assert set(opened) == {late.pk, very_late.pk}
    assert opened[late.pk].due_at == late.next_update_due
    assert opened[late.pk].recruiter == late.owner
    assert opened[late.pk].reason == Reason.OVERDUE
    assert opened[late.pk].created_at == NOW
    assert set(result.created_prompt_ids) == {p.pk for p in opened.values()}
    assert AuditLog.objects.filter(action="prompt.open").count() == 2


@pytest.mark.django_db
def test_a_second_scan_changes_nothing(frozen):
    overdue()
    overdue()
    first = scan.prompts_scan_overdue()
    audit_rows = AuditLog.objects.count()
    second = scan.prompts_scan_overdue()
    assert first.created == 2
    assert (second.found, second.created, second.escalated, second.settled) == (0, 0, 0, 0)
    assert RecruiterPrompt.objects.count() == 2
    assert AuditLog.objects.count() == audit_rows


@pytest.mark.django_db
def test_a_dry_run_reports_and_writes_nothing(frozen):
    overdue()
    overdue()
    result = scan.prompts_scan_overdue(dry_run=True)
    assert result.dry_run
    assert (result.found, result.created) == (2, 2)
    assert not RecruiterPrompt.objects.exists()
    assert not AuditLog.objects.exists()


@pytest.mark.django_db
def test_the_scan_runs_in_the_same_number_of_queries_whatever_the_number_of_overdue_applications(frozen):
    lead = UserFactory(profile__role="team_lead")
    owner = UserFactory(profile__team=TeamFactory(lead=lead))
    overdue(candidate__owner=owner, next_update_due=NOW - timedelta(days=6))
    with CaptureQueriesContext(connection) as small:
        assert scan.prompts_scan_overdue().created == 1
    for _ in range(25):
        overdue(candidate__owner=owner, next_update_due=NOW - timedelta(days=6))
    with CaptureQueriesContext(connection) as large:
        result = scan.prompts_scan_overdue()
    # Both runs open prompts old enough to escalate at once.
    assert (result.created, result.escalated) == (25, 25)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(large.captured_queries) <= 16


@pytest.mark.django_db
def test_an_application_with_an_open_snoozed_prompt_gets_no_second_prompt(frozen):
    application = overdue()
    PromptFactory(application=application, snoozed_until=NOW + timedelta(days=2), snooze_reason="Client is away")
    result = scan.prompts_scan_overdue()
    assert result.created == 0
    assert RecruiterPrompt.objects.filter(application=application).count() == 1


@pytest.mark.django_db
def test_a_prompt_whose_application_no_longer_owes_news_is_settled(frozen):
    closed = ApplicationFactory(stage=Stage.WITHDRAWN, closed_at=NOW, next_update_due=None)
    off = ApplicationFactory(candidate=CandidateFactory(do_not_contact=True), next_update_due=None)
    # The clock moved later without anyone telling the candidate (a stage move whose email was suppressed,
    # a promise recorded): the prompt stays open; only telling settles it.
    moved = ApplicationFactory(next_update_due=NOW + timedelta(days=3))
    still = overdue()
    closed_prompt = PromptFactory(application=closed)
    off_prompt = PromptFactory(application=off)
    moved_prompt = PromptFactory(application=moved)
    still_prompt = PromptFactory(application=still)
    feedback = PromptFactory(application=closed, reason=Reason.FEEDBACK_OWED)

    result = scan.prompts_scan_overdue()

    assert result.settled == 2
    for prompt in (closed_prompt, off_prompt, moved_prompt, still_prompt, feedback):
        prompt.refresh_from_db()
    assert closed_prompt.resolved_at == NOW and "closed" in closed_prompt.resolution
    assert off_prompt.resolved_at == NOW
    assert moved_prompt.resolved_at is None
    assert still_prompt.resolved_at is None
    assert feedback.resolved_at is None  # only overdue prompts are the scan's to settle


@pytest.mark.django_db
def test_after_the_update_is_given_the_next_overdue_spell_gets_a_new_prompt(frozen):
    application = overdue()
    scan.prompts_scan_overdue()
    RecruiterPrompt.objects.update(resolved_at=NOW, resolution="Phone to the candidate")
    application.next_update_due = NOW - timedelta(minutes=1)
    application.save(update_fields=["next_update_due"])
    assert scan.prompts_scan_overdue().created == 1
    assert RecruiterPrompt.objects.filter(application=application, resolved_at__isnull=True).count() == 1


def _run_concurrently(target, count: int) -> list:
    """Run `target` in `count` threads, each on its own database connection, released together."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list = []

    def work():
        try:
            barrier.wait(timeout=10)
            results.append(target())
        except Exception as error:  # noqa: BLE001 (reported to the test below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_open_each_prompt_once(requires_postgres, time_machine):
    time_machine.move_to(NOW, tick=True)
    applications = [overdue(next_update_due=NOW - timedelta(hours=1)) for _ in range(40)]

    results = _run_concurrently(scan.prompts_scan_overdue, 2)

    assert sum(result.created for result in results) == 40
    assert RecruiterPrompt.objects.count() == 40
    assert set(RecruiterPrompt.objects.values_list("application_id", flat=True)) == {a.pk for a in applications}
    assert AuditLog.objects.filter(action="prompt.open").count() == 40


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_escalate_each_prompt_once(requires_postgres, time_machine):
    time_machine.move_to(NOW, tick=True)
    lead = UserFactory(profile__role="team_lead")
    owner = UserFactory(profile__team=TeamFactory(lead=lead))
    long_ago = NOW - timedelta(days=10)
    for _ in range(30):
        overdue(candidate__owner=owner, next_update_due=long_ago)

    results = _run_concurrently(scan.prompts_scan_overdue, 2)

    assert sum(result.created for result in results) == 30
    assert sum(result.escalated for result in results) == 30
    assert RecruiterPrompt.objects.filter(escalated_to=lead, escalated_at__isnull=False).count() == 30
    assert AuditLog.objects.filter(action="prompt.escalate").count() == 30


@pytest.mark.django_db
def test_the_beat_task_runs_the_scan_under_the_name_the_schedule_uses(frozen):
    from inloop.celery import app

    overdue()
    app.loader.import_default_modules()
    task = app.tasks[app.conf.beat_schedule["scan-overdue"]["task"]]
    assert task.apply().get() == {
        "found": 1,
        "created": 1,
        "escalated": 0,
        "settled": 0,
        "without_lead": 0,
        "safety_net_messages": 0,
        "safety_net_calls": 0,
    }
    assert RecruiterPrompt.objects.count() == 1


@pytest.mark.django_db
def test_a_large_batch_of_new_prompts_refreshes_the_planner_statistics(requires_postgres, frozen):
    owner = UserFactory()
    job = JobFactory(owner=owner)
    count = scan.REANALYZE_AFTER + 100
    candidates = Candidate.objects.bulk_create(
        Candidate(first_name="Sam", email=f"batch{n}@mail.example", owner=owner) for n in range(count)
    )
    Application.objects.bulk_create(
        Application(candidate=candidate, job=job, owner=owner, next_update_due=NOW - timedelta(hours=1))
        for candidate in candidates
    )
    table = RecruiterPrompt._meta.db_table
    open_overdue = RecruiterPrompt.objects.filter(reason=Reason.OVERDUE, resolved_at__isnull=True)

    def estimated_open() -> int:
        plan = open_overdue.explain()
        return int(re.search(r"rows=(\d+)", plan).group(1))

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
    assert estimated_open() < 10  # the planner's picture before: nothing open

    assert scan.prompts_scan_overdue().created == count

    assert estimated_open() > count / 2
