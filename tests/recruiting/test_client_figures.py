"""Client figures: how quickly each client and hiring manager answers, who waits now, chases sent."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from recruiting.models import ClientAnswer, ClientChase, HiringManager, Stage
from recruiting.selectors.client_figures import CLIENT_FIGURE_COLUMNS, client_figures
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, OutboundMessageFactory

UTC = ZoneInfo("UTC")
ASKED = datetime(2026, 11, 2, 10, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def answered(manager, *, days: float, stage=Stage.SUBMITTED):
    job = JobFactory(client=manager.client)
    job.hiring_managers.add(manager)
    application = ApplicationFactory(job=job, stage=Stage.OFFER)
    return ClientAnswer.objects.create(
        application=application,
        hiring_manager=manager,
        kind="move_forward",
        stage=stage,
        asked_at=ASKED,
        due_at=ASKED + timedelta(days=3),
        at=ASKED + timedelta(days=days),
    )


@pytest.fixture
def managers():
    quick = HiringManager.objects.create(client=ClientFactory(name="Quick Co"), name="Ana Quick", email="a@q.example")
    slow = HiringManager.objects.create(client=ClientFactory(name="Slow Ltd"), name="Sol Slow", email="s@s.example")
    for days in (1, 2, 3):
        answered(quick, days=days)
    answered(quick, days=0.5, stage=Stage.INTERVIEWING)
    for days in (6, 9):
        answered(slow, days=days)
    job = JobFactory(client=slow.client)
    job.hiring_managers.add(slow)
    waiting = ApplicationFactory(job=job, stage=Stage.SUBMITTED, client_asked_at=ASKED, client_answer_due=ASKED)
    ClientChase.objects.create(
        application=waiting,
        hiring_manager=slow,
        due_at=ASKED,
        message=OutboundMessageFactory(
            application=None, candidate=None, to_address="s@s.example", template_code="client_chase", status="sent"
        ),
    )
    ClientChase.objects.create(
        application=ApplicationFactory(job=job, stage=Stage.SUBMITTED),
        hiring_manager=slow,
        due_at=ASKED,
        message=OutboundMessageFactory(
            application=None, candidate=None, to_address="s@s.example", template_code="client_chase", status="held"
        ),
    )
    return quick, slow


def test_median_slowest_waiting_and_chases_per_client_and_manager(managers):
    figures = client_figures()
    assert [row["name"] for row in figures["clients"]] == ["Slow Ltd", "Quick Co"]
    slow, quick = figures["clients"]
    assert (quick["median_days_after_submission"], quick["slowest_days_after_submission"]) == (2.0, 3.0)
    assert (quick["median_days_after_interview"], quick["waiting_now"], quick["chases_sent"]) == (0.5, 0, 0)
    assert (slow["median_days_after_submission"], slow["slowest_days_after_submission"]) == (7.5, 9.0)
    # One candidate waits now; of two chases only the sent one counts.
    assert (slow["waiting_now"], slow["chases_sent"], slow["median_days_after_interview"]) == (1, 1, None)
    by_manager = {row["name"]: row for row in figures["managers"]}
    assert by_manager["Sol Slow"]["client"] == "Slow Ltd"
    assert by_manager["Sol Slow"]["waiting_now"] == 1
    assert by_manager["Ana Quick"]["median_days_after_submission"] == 2.0


def test_the_figures_page_and_csv_show_the_clients(client, recruiter, managers, django_assert_max_num_queries):
    client.force_login(recruiter)
    with django_assert_max_num_queries(22):
        page = client.get(reverse("figures")).content.decode()
    assert "Median days to answer after a submission, per client" in page
    assert "Sol Slow" in page
    rows = list(csv.reader(io.StringIO(client.get(reverse("figures_csv")).content.decode())))
    header = rows.index(["scope", *CLIENT_FIGURE_COLUMNS])
    assert ["client", "Slow Ltd", "Slow Ltd", "7.5", "9.0", "", "", "1", "1"] in rows[header:]
    assert ["hiring_manager", "Ana Quick", "Quick Co", "2.0", "3.0", "0.5", "0.5", "0", "0"] in rows[header:]


def test_the_client_figures_cost_the_same_queries_at_many_clients(django_assert_max_num_queries):
    for index in range(20):
        manager = HiringManager.objects.create(client=ClientFactory(), name=f"M {index}", email=f"m{index}@c.example")
        answered(manager, days=index % 5 + 1)
    with django_assert_max_num_queries(7):
        figures = client_figures()
    assert len(figures["clients"]) == 20
