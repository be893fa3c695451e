"""F4: two workers (two hosts) sending from the same outbox. Must hold: each message handed to SMTP once.

Two separate worker processes, each with its own pool, race for the same 500 due rows, and every row is
hinted more than once: a wake-up per row sent twice (as a retried commit hook or a duplicated broker
message would) on top of the relay's batches. Only the row's claim decides who sends.
"""

import pytest

from notifications.models import MessageAttempt, OutboundMessage
from notifications.services.relay import messages_relay
from notifications.tasks.outbox import send_message
from tests.faults.conftest import pool_pids, queued_messages
from tests.support.processes import celery_worker, wait_for, worker_env

MESSAGES = 500

Status = OutboundMessage.Status


@pytest.mark.django_db(transaction=True)
def test_f4_two_workers_on_one_outbox_hand_each_message_to_smtp_once(requires_postgres, broker, sink, recruiter):
    rows = queued_messages(count=MESSAGES, owner=recruiter)
    messages = OutboundMessage.objects.all()
    env = worker_env(smtp_port=sink.port, CELERY_BROKER_URL=broker.url)

    with (
        celery_worker(env, name="f4-host-a", concurrency=2) as host_a,
        celery_worker(env, name="f4-host-b", concurrency=2) as host_b,
    ):
        for _ in range(2):
            for row in rows:
                send_message.apply_async(args=[row.pk])
            messages_relay()
        wait_for(
            lambda: not messages.exclude(status=Status.SENT).exists(),
            timeout=150,
            interval=0.5,
            what=f"{MESSAGES} messages sent",
        )
        assert host_a.alive() and host_b.alive()
        pools = {"a": pool_pids(host_a.pid), "b": pool_pids(host_b.pid)}
    senders = {int(leased.split(":")[1]) for leased in messages.values_list("leased_by", flat=True)}

    expected = set(messages.values_list("message_id", flat=True))
    assert len(expected) == MESSAGES
    assert sink.message_ids() == dict.fromkeys(expected, 1)
    assert MessageAttempt.objects.filter(outcome=MessageAttempt.Outcome.SENT).count() == MESSAGES
    assert not MessageAttempt.objects.exclude(outcome=MessageAttempt.Outcome.SENT).exists()
    # The race was real: both hosts sent from this outbox.
    assert senders & pools["a"] and senders & pools["b"], (senders, pools)
