"""Client contacts: their service, the admin's autocomplete, a manager's export and erasure, and a
candidate's erasure reaching the feedback requests that named them."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from candidates.services.data_rights import candidate_erase, candidate_export
from notifications.models import OutboundMessage
from recruiting.models import ClientAnswer, HiringManager, Stage
from recruiting.services import application_move
from recruiting.services.clients import client_answers_chase
from recruiting.services.hiring_managers import hiring_manager_export
from tests.factories import ApplicationFactory, ClientFactory, JobFactory

UTC = ZoneInfo("UTC")
MONDAY = datetime(2026, 11, 16, 10, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chased(admin_user):
    """A submitted candidate whose client's manager was chased."""
    manager = HiringManager.objects.create(client=ClientFactory(), name="Dana Park", email="dana@lumen.example")
    job = JobFactory(client=manager.client)
    job.hiring_managers.add(manager)
    application = ApplicationFactory(job=job, stage=Stage.SCREENING)
    with time_machine.travel(MONDAY, tick=False):
        application_move(application=application, to_stage=Stage.SUBMITTED, by=admin_user)
    with time_machine.travel(datetime(2026, 11, 19, 11, tzinfo=UTC), tick=False):
        client_answers_chase()
    return manager, application, OutboundMessage.objects.get(template_code="client_chase")


def test_the_admin_finds_managers_by_autocomplete(client, admin_user):
    manager = HiringManager.objects.create(client=ClientFactory(), name="Dana Park", email="dana@lumen.example")
    client.force_login(admin_user)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "recruiting", "model_name": "job", "field_name": "hiring_managers", "term": "dana"},
    )
    assert [row["id"] for row in response.json()["results"]] == [str(manager.pk)]


def test_the_admin_saves_a_manager_through_the_service(client, admin_user):
    lumen = ClientFactory()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:recruiting_hiringmanager_add"),
        {"client": lumen.pk, "name": "Sam", "email": "sam@lumen.example", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 200  # refused beside the field
    assert not HiringManager.objects.exists()
    client.post(
        reverse("admin:recruiting_hiringmanager_add"),
        {"client": lumen.pk, "name": "Sam", "email": "sam@lumen.example", "time_zone": "Asia/Tokyo"},
    )
    assert HiringManager.objects.get().time_zone == "Asia/Tokyo"


def test_a_managers_export_lists_what_we_hold_and_is_for_admins(chased, admin_user, recruiter):
    manager, application, _message = chased
    exported = hiring_manager_export(hiring_manager=manager, by=admin_user)
    assert exported["email"] == "dana@lumen.example"
    assert exported["chases"][0]["application"] == application.pk
    with pytest.raises(PermissionDenied):
        hiring_manager_export(hiring_manager=manager, by=recruiter)


def test_erasing_a_manager_blanks_them_and_their_emails_and_stops_chases(chased):
    manager, application, message = chased
    ClientAnswer.objects.create(
        application=application,
        hiring_manager=manager,
        kind="not_a_fit",
        stage="submitted",
        asked_at=MONDAY,
        due_at=MONDAY,
    )
    with pytest.raises(Exception, match="--yes"):
        call_command("erase_hiring_manager", str(manager.pk))
    call_command("erase_hiring_manager", str(manager.pk), "--yes")
    manager.refresh_from_db()
    message.refresh_from_db()
    assert manager.erased_at is not None and "Dana" not in manager.name and "dana" not in manager.email
    assert manager.do_not_email and not manager.jobs.exists()
    assert (message.status, message.body_text, message.to_address) == ("cancelled", "", manager.email)
    assert ClientAnswer.objects.get().hiring_manager is None


def test_erasing_a_candidate_empties_the_feedback_request_that_named_them(chased, admin_user):
    _manager, application, message = chased
    assert application.candidate.last_name in message.body_text
    # Their export leaves it out: it was written to the manager and may name other candidates.
    exported = str(candidate_export(candidate=application.candidate, by=admin_user))
    assert "dana@lumen.example" not in exported
    candidate_erase(candidate=application.candidate, by=admin_user)
    message.refresh_from_db()
    assert application.candidate.last_name not in message.body_text
    assert message.status == "cancelled"
