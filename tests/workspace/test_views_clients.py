"""A client's contacts page, and the client's answer on the board and the candidate page."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from recruiting.models import AuditLog, HiringManager, Stage
from recruiting.services import application_move
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory

UTC = ZoneInfo("UTC")
TUESDAY = datetime(2026, 11, 17, 10, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lumen():
    return ClientFactory(name="Lumen & Loom")


def test_a_recruiter_adds_a_manager_and_names_them_on_a_job(client, recruiter, lumen):
    job = JobFactory(client=lumen, owner=recruiter)
    client.force_login(recruiter)
    url = reverse("client_contacts", args=[lumen.pk])
    response = client.post(
        url, {"action": "manager", "name": "Dana Park", "email": "dana@lumen.example", "time_zone": "Europe/London"}
    )
    assert response.status_code == 302
    manager = HiringManager.objects.get()
    assert (manager.client, manager.time_zone, manager.do_not_email) == (lumen, "Europe/London", False)
    client.post(url, {"action": "job", "job": job.pk, "hiring_managers": [manager.pk]})
    assert list(job.hiring_managers.all()) == [manager]
    assert AuditLog.objects.filter(action="job.hiring_managers", object_id=job.pk).exists()


def test_a_bad_time_zone_or_a_duplicate_address_is_refused_on_the_form(client, recruiter, lumen):
    HiringManager.objects.create(client=lumen, name="Dana Park", email="dana@lumen.example")
    client.force_login(recruiter)
    url = reverse("client_contacts", args=[lumen.pk])
    bad_zone = client.post(
        url, {"action": "manager", "name": "X", "email": "x@lumen.example", "time_zone": "Mars/Base"}
    )
    assert bad_zone.status_code == 200
    duplicate = client.post(url, {"action": "manager", "name": "D", "email": "DANA@lumen.example", "time_zone": "UTC"})
    assert "already has a contact" in duplicate.content.decode()
    assert HiringManager.objects.count() == 1


def test_a_manager_of_another_client_cannot_be_named_and_others_jobs_are_refused(client, recruiter, lumen):
    job = JobFactory(client=lumen, owner=UserFactory())
    stranger = HiringManager.objects.create(client=ClientFactory(), name="Other", email="o@other.example")
    mine = HiringManager.objects.create(client=lumen, name="Dana", email="dana@lumen.example")
    client.force_login(recruiter)
    url = reverse("client_contacts", args=[lumen.pk])
    assert client.post(url, {"action": "job", "job": job.pk, "hiring_managers": [mine.pk]}).status_code == 403
    own = JobFactory(client=lumen, owner=recruiter)
    client.post(url, {"action": "job", "job": own.pk, "hiring_managers": [stranger.pk, mine.pk]})
    assert list(own.hiring_managers.all()) == [mine]


def test_the_contacts_page_costs_the_same_queries_with_many_jobs(
    client, recruiter, lumen, django_assert_max_num_queries
):
    managers = [
        HiringManager.objects.create(client=lumen, name=f"M {i}", email=f"m{i}@lumen.example") for i in range(5)
    ]
    for _ in range(12):
        JobFactory(client=lumen, owner=recruiter).hiring_managers.set(managers[:3])
    client.force_login(recruiter)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("client_contacts", args=[lumen.pk]))
    assert response.content.decode().count('name="hiring_managers"') == 60


def test_the_board_and_the_candidate_page_say_who_the_candidate_waits_on(client, recruiter, lumen):
    job = JobFactory(client=lumen, owner=recruiter)
    application = ApplicationFactory(job=job, candidate__owner=recruiter, stage=Stage.SCREENING)
    with time_machine.travel(TUESDAY, tick=False):
        application_move(application=application, to_stage=Stage.SUBMITTED, by=recruiter)
    client.force_login(recruiter)
    with time_machine.travel(datetime(2026, 11, 19, 12, tzinfo=UTC), tick=False):
        board = client.get(reverse("job_board", args=[job.pk])).content.decode()
        page = client.get(reverse("candidate_detail", args=[application.candidate_id])).content.decode()
    assert "Waiting on Lumen &amp; Loom since Tuesday" in board
    assert "Waiting on Lumen &amp; Loom since Tuesday" in page
    with time_machine.travel(datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False):
        board = client.get(reverse("job_board", args=[job.pk])).content.decode()
    # Six days on, a weekday alone would be ambiguous: the date is given.
    assert "Waiting on Lumen &amp; Loom since Tuesday 17 November, answer overdue" in board


def test_the_owner_records_the_date_the_client_promised(client, recruiter, lumen):
    job = JobFactory(client=lumen, owner=recruiter)
    application = ApplicationFactory(job=job, candidate__owner=recruiter, stage=Stage.SCREENING)
    with time_machine.travel(TUESDAY, tick=False):
        application_move(application=application, to_stage=Stage.SUBMITTED, by=recruiter)
        url = reverse("application_client_promise", args=[application.pk])
        client.force_login(UserFactory())
        assert client.post(url, {"promised_date": "2026-11-20"}).status_code == 403
        client.force_login(recruiter)
        assert client.get(url).status_code == 200
        assert client.post(url, {"promised_date": "2026-11-10"}).status_code == 400
        assert client.post(url, {"promised_date": "2026-11-20"}).status_code == 302
    application.refresh_from_db()
    assert application.client_promised_date == date(2026, 11, 20)
    assert application.client_answer_due == datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_the_client_promise_page_reads_well_with_a_client_name_ending_in_a_full_stop(client, recruiter):
    job = JobFactory(client=ClientFactory(name="Alderbank Ledger Co."), owner=recruiter, title="Controller")
    application = ApplicationFactory(job=job, candidate__owner=recruiter, stage=Stage.SUBMITTED)
    client.force_login(recruiter)
    page = client.get(reverse("application_client_promise", args=[application.pk])).content.decode()
    assert "Controller at Alderbank Ledger Co. When did" in page
