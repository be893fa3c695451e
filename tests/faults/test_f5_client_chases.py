"""F5 for the client's side: two beats publish the chase twice, for two ticks, to two worker hosts.

Must hold: each hiring manager receives one feedback request, naming each of their candidates once, and
each due step is chased once; the emails go through the outbox to the SMTP sink.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from inloop.celery import app
from notifications.models import MessageTemplate, OutboundMessage
from recruiting.models import Application, ClientChase, HiringManager, Stage
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory
from tests.faults.test_f5_twice import BUSINESS_MORNING, ZONE, drained
from tests.support.processes import celery_worker, wait_for, worker_env

MANAGERS = 3
CANDIDATES_EACH = 5


@pytest.mark.django_db(transaction=True)
def test_f5_two_beats_chase_each_manager_once(requires_postgres, broker, sink, time_machine):
    # Chases go in the manager's business hours: the drill and its workers run on a business morning.
    time_machine.move_to(BUSINESS_MORNING, tick=True)
    owner = UserFactory()
    now = timezone.now()
    owed: list[Application] = []
    managers = []
    for index in range(MANAGERS):
        manager = HiringManager.objects.create(
            client=ClientFactory(), name=f"Manager {index}", email=f"manager{index}@client.example", time_zone=ZONE
        )
        managers.append(manager)
        job = JobFactory(client=manager.client, owner=owner)
        job.hiring_managers.add(manager)
        for _ in range(CANDIDATES_EACH):
            owed.append(
                ApplicationFactory(
                    job=job,
                    candidate__owner=owner,
                    stage=Stage.SUBMITTED,
                    client_asked_at=now - timedelta(days=5),
                    client_answer_due=now - timedelta(hours=1),
                )
            )

    env = worker_env(smtp_port=sink.port, CELERY_BROKER_URL=broker.url, INLOOP_HOLD_MINUTES="0")
    with (
        celery_worker(env, name="f5c-host-a", concurrency=2, same_clock=True),
        celery_worker(env, name="f5c-host-b", concurrency=2, same_clock=True),
    ):
        for _tick in range(2):
            for _beat in range(2):
                app.send_task("recruiting.tasks.chase_client_answers")
        wait_for(
            lambda: sink.count() >= MANAGERS and drained(app, nodes=2),
            timeout=120,
            interval=0.5,
            what="both ticks of both beats to be processed and the chases sent",
        )

    chases = OutboundMessage.objects.filter(template_code=MessageTemplate.Code.CLIENT_CHASE)
    assert sorted(chases.values_list("to_address", flat=True)) == sorted(m.email for m in managers)
    assert set(chases.values_list("status", flat=True)) == {OutboundMessage.Status.SENT}
    delivered = sorted(address for item in sink.received for address in item.recipients)
    assert delivered == sorted(m.email for m in managers)
    for message in chases:
        assert message.body_text.count("/c/answer/") == CANDIDATES_EACH
    assert ClientChase.objects.count() == len(owed)
    assert not Application.objects.filter(pk__in=[a.pk for a in owed], client_chased_at__isnull=True).exists()
