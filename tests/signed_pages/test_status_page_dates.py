"""The status page never shows a promise in the past (issue 11, items 5 and 6)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from candidates import links
from recruiting.models import Stage
from tests.factories import ApplicationFactory, CandidateFactory, JobFactory, PromptFactory, UserFactory

pytestmark = pytest.mark.django_db
# Tuesday 1 December 2026, 10:00 UTC.
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def december_first():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def overdue():
    """Told on 18 November, promised news by 20 November, due on 23 November: all past."""
    owner = UserFactory(first_name="Dana", last_name="Whitlock")
    candidate = CandidateFactory(first_name="Amira", owner=owner, time_zone="UTC")
    return ApplicationFactory(
        candidate=candidate,
        owner=owner,
        job=JobFactory(title="Payroll Analyst"),
        stage=Stage.SUBMITTED,
        created_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC),
        last_informed_at=dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC),
        promised_next_step_date=dt.date(2026, 11, 20),
        next_update_due=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
    )


def page_of(client, candidate) -> str:
    return client.get(links.status_page_url(candidate).removeprefix("http://testserver")).content.decode()


def test_a_late_update_says_so_and_names_who_was_reminded_never_a_past_date(client, overdue):
    PromptFactory(application=overdue, reason="overdue")

    page = page_of(client, overdue.candidate)

    assert "Your update is late. We have reminded Dana Whitlock." in page
    assert "23 November" not in page and "Friday 20 November 2026" not in page
    # The next real date: the safety net's email goes before two weeks of silence (18 November + 14 days).
    assert "You will hear from us by Wednesday 2 December 2026 at the latest." in page
    assert "You will hear from us by</dt>" not in page


def test_an_escalated_late_update_says_the_team_lead_was_reminded(client, overdue):
    PromptFactory(application=overdue, reason="overdue", escalated_at=timezone.now())

    assert "We have reminded Dana Whitlock and their team lead." in page_of(client, overdue.candidate)


def test_a_late_update_with_nobody_reminded_yet_promises_nothing_it_cannot_keep(client, overdue):
    overdue.candidate.automated_updates_paused = True
    overdue.candidate.save()

    page = page_of(client, overdue.candidate)

    assert "Your update is late, and we are sorry for the wait." in page
    assert "at the latest" not in page  # a paused candidate gets no safety-net email: no date to promise


def test_an_update_on_time_keeps_its_date_and_a_future_promise(client, overdue):
    overdue.next_update_due = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    overdue.promised_next_step_date = dt.date(2026, 12, 3)
    overdue.save()

    page = page_of(client, overdue.candidate)

    assert "late" not in page
    assert "Thursday 3 December 2026" in page and "Friday 4 December 2026" in page


def test_after_a_late_rejection_the_page_says_the_recruiter_will_be_in_touch_personally_and_by_when(client, overdue):
    overdue.stage = Stage.REJECTED
    overdue.stage_entered_at = overdue.closed_at = timezone.now()
    overdue.next_update_due = None
    overdue.save()
    PromptFactory(application=overdue, reason="feedback_owed", due_at=dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC))

    page = page_of(client, overdue.candidate)

    assert "Not going ahead" not in page  # the recruiter breaks the news (docs/rules.md#rejection-by-depth)
    assert (
        "Your recruiter, Dana Whitlock, will be in touch with you personally about this application by "
        "Thursday 3 December 2026."
    ) in page


def test_feedback_owed_past_its_date_says_it_is_late_and_who_was_reminded(client, overdue, december_first):
    overdue.stage = Stage.REJECTED
    overdue.stage_entered_at = overdue.closed_at = timezone.now()
    overdue.next_update_due = None
    overdue.save()
    PromptFactory(application=overdue, reason="feedback_owed", due_at=dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC))
    december_first.move_to(dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC))

    page = page_of(client, overdue.candidate)

    assert "Your recruiter&#x27;s message is late. We have reminded Dana Whitlock." in page
    assert "3 December" not in page


def test_the_page_costs_the_same_queries_with_prompts(client, overdue, django_assert_max_num_queries):
    PromptFactory(application=overdue, reason="overdue", escalated_at=timezone.now())
    for _ in range(5):
        PromptFactory(application=ApplicationFactory(candidate=overdue.candidate), reason="feedback_owed")
    path = links.status_page_url(overdue.candidate).removeprefix("http://testserver")
    # The candidate, their applications with every fact the page says, and the firm's name and look.
    with django_assert_max_num_queries(3):
        assert client.get(path).status_code == 200
