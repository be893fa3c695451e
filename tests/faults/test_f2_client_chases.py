"""F2 for the client's side: the broker is down while the chase runs.

Must hold: the chase is written (held rows, chases recorded) without the broker; once it is back, the
relay wakes the workers and each manager's request is sent exactly once.
"""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from notifications.models import MessageTemplate, OutboundMessage
from notifications.services.relay import messages_relay
from recruiting.models import ClientChase, HiringManager, Stage
from recruiting.services.clients import client_answers_chase
from tests.factories import ApplicationFactory, ClientFactory, JobFactory, UserFactory
from tests.faults.test_f5_twice import BUSINESS_MORNING, ZONE
from tests.support.processes import celery_worker, wait_for, worker_env

MANAGERS = 4


@pytest.mark.django_db(transaction=True)
@override_settings(INLOOP_HOLD_MINUTES=0)
def test_f2_a_chase_during_a_broker_outage_is_sent_once_after(requires_postgres, broker, sink, time_machine):
    # Chases go in the manager's business hours: the drill and its worker run on a business morning.
    time_machine.move_to(BUSINESS_MORNING, tick=True)
    owner = UserFactory()
    now = timezone.now()
    managers = []
    for index in range(MANAGERS):
        manager = HiringManager.objects.create(
            client=ClientFactory(), name=f"Manager {index}", email=f"m{index}@client.example", time_zone=ZONE
        )
        managers.append(manager)
        job = JobFactory(client=manager.client, owner=owner)
        job.hiring_managers.add(manager)
        for _ in range(2):
            ApplicationFactory(
                job=job,
                candidate__owner=owner,
                stage=Stage.SUBMITTED,
                client_asked_at=now - timedelta(days=5),
                client_answer_due=now - timedelta(hours=1),
            )

    env = worker_env(smtp_port=sink.port, CELERY_BROKER_URL=broker.url)
    with celery_worker(env, name="f2c", concurrency=2, same_clock=True) as worker:
        broker.stop()
        result = client_answers_chase()
        assert len(result.chased) == MANAGERS * 2
        chases = OutboundMessage.objects.filter(template_code=MessageTemplate.Code.CLIENT_CHASE)
        assert chases.filter(status=OutboundMessage.Status.QUEUED).count() == MANAGERS
        assert ClientChase.objects.count() == MANAGERS * 2
        assert sink.count() == 0

        broker.start()

        def all_sent() -> bool:
            messages_relay()  # what beat does every minute
            return chases.filter(status=OutboundMessage.Status.SENT).count() == MANAGERS

        wait_for(all_sent, timeout=120, interval=1.0, what="the chases sent after the outage")
        assert worker.alive(), worker.log()[-4000:]
        # A second run of the chase (the next beat) finds nothing more to send.
        assert client_answers_chase().due == 0

    expected = set(chases.values_list("message_id", flat=True))
    assert len(expected) == MANAGERS
    assert sink.message_ids() == dict.fromkeys(expected, 1)
