"""Two beats chasing at the same moment: each manager gets one email, each due step one chase."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from notifications.models import OutboundMessage
from recruiting.models import ClientChase, HiringManager, Stage
from recruiting.services import application_move
from recruiting.services.clients import client_answers_chase
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory

UTC = ZoneInfo("UTC")
MONDAY = datetime(2026, 11, 16, 10, tzinfo=UTC)
DUE = datetime(2026, 11, 19, 10, 5, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_write_one_email_per_manager(requires_postgres):
    owner = UserFactory()
    managers = [
        HiringManager.objects.create(client=ClientFactory(), name=f"M {index}", email=f"m{index}@client.example")
        for index in range(3)
    ]
    for manager in managers:
        job = JobFactory(client=manager.client, owner=owner)
        job.hiring_managers.add(manager)
        for _ in range(4):
            application = ApplicationFactory(job=job, candidate__owner=owner, stage=Stage.SCREENING)
            with time_machine.travel(MONDAY, tick=False):
                application_move(application=application, to_stage=Stage.SUBMITTED, by=owner, notify=False)
    start = threading.Barrier(2)
    results, errors = [], []

    def beat():
        try:
            start.wait(timeout=10)
            results.append(client_answers_chase(now=DUE))
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(
        OutboundMessage.objects.filter(template_code="client_chase").values_list("to_address", flat=True)
    ) == [manager.email for manager in managers]
    assert ClientChase.objects.count() == 12
    assert sum(len(result.chased) for result in results) == 12
