"""The overdue selector: the right applications, in one query, on the next_update_due index."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from candidates.models import Candidate
from recruiting import selectors
from recruiting.models import Application, Stage
from tests.factories import ApplicationFactory, JobFactory, PromptFactory, UserFactory

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 24, 11, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_overdue_means_due_and_without_an_open_overdue_prompt(django_assert_num_queries):
    due = ApplicationFactory(next_update_due=NOW - timedelta(minutes=1))
    due_exactly = ApplicationFactory(next_update_due=NOW)
    ApplicationFactory(next_update_due=NOW + timedelta(minutes=1))
    ApplicationFactory(next_update_due=None, stage=Stage.PLACED)
    prompted = ApplicationFactory(next_update_due=NOW - timedelta(days=2))
    PromptFactory(application=prompted)
    settled_before = ApplicationFactory(next_update_due=NOW - timedelta(days=1))
    PromptFactory(application=settled_before, resolved_at=NOW - timedelta(days=3), resolution="Called")
    asked = ApplicationFactory(next_update_due=NOW - timedelta(hours=5))
    PromptFactory(application=asked, reason="candidate_asked")

    with django_assert_num_queries(1):
        found = set(selectors.applications_overdue(now=NOW).values_list("pk", flat=True))

    assert found == {due.pk, due_exactly.pk, settled_before.pk, asked.pk}


def test_explain_shows_the_next_update_due_index(requires_postgres):
    owner = UserFactory()
    job = JobFactory(owner=owner)
    count = 5000
    candidates = Candidate.objects.bulk_create(
        Candidate(first_name="Sam", email=f"bulk{n}@mail.example", owner=owner) for n in range(count)
    )
    far = NOW + timedelta(days=30)
    applications = []
    for n, candidate in enumerate(candidates):
        if n % 5 == 0:
            due = far + timedelta(minutes=n)  # active: due in the future
        elif n % 500 == 1:
            due = NOW - timedelta(hours=1)  # a few overdue
        else:
            due = None  # closed
        applications.append(
            Application(
                candidate=candidate,
                job=job,
                owner=owner,
                stage=Stage.SCREENING if due else Stage.REJECTED,
                closed_at=None if due else NOW,
                next_update_due=due,
            )
        )
    Application.objects.bulk_create(applications)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Application._meta.db_table}")

    plan = selectors.applications_overdue(now=NOW).explain()

    assert "recruiting_application_next_update_due" in plan, plan
    assert "Index Scan" in plan or "Bitmap Index Scan" in plan, plan
    assert "Seq Scan on recruiting_application" not in plan, plan
