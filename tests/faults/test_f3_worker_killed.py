"""F3: a worker killed with SIGKILL while sending 2,000 messages.

Must hold: after a restart every message is delivered; the only ones that may arrive twice are those in
flight at the kill, and those are marked `unknown` and never re-sent blindly (target: 0 duplicates).

The kill is made to land mid-hand-over: the sink accepts the first messages, then reads the body of the
next one and stalls before answering, and the worker (parent and pool children, its whole process group)
is killed while it waits for that answer. The lease is 5 s here (INLOOP_OUTBOX_LEASE_SECONDS), so the
relay reclaims the dead worker's rows within seconds instead of minutes.
"""

import pytest
from django.db.models import Count

from notifications.models import MessageAttempt, OutboundMessage
from notifications.services.relay import messages_relay
from recruiting.models import RecruiterPrompt
from tests.faults.conftest import queued_messages
from tests.support.processes import celery_worker, wait_for, worker_env

MESSAGES = 2_000
ACCEPTED_BEFORE_THE_STALL = 600
POOL = 2

Status = OutboundMessage.Status


@pytest.mark.django_db(transaction=True)
def test_f3_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(requires_postgres, broker, sink, recruiter):
    queued_messages(count=MESSAGES, owner=recruiter)
    messages = OutboundMessage.objects.all()
    env = worker_env(
        smtp_port=sink.port, CELERY_BROKER_URL=broker.url, INLOOP_OUTBOX_LEASE_SECONDS="5", EMAIL_TIMEOUT="30"
    )
    sink.program(*["accept"] * ACCEPTED_BEFORE_THE_STALL, "stall")

    with celery_worker(env, name="f3-first", concurrency=POOL) as first:
        messages_relay()
        wait_for(lambda: sink.count() > ACCEPTED_BEFORE_THE_STALL, timeout=120, what="the stalled hand-over")
        first.kill()
    stalled = sink.received[ACCEPTED_BEFORE_THE_STALL].message_id
    assert messages.filter(status=Status.SENDING).exists()

    with celery_worker(env, name="f3-second", concurrency=POOL) as second:

        def settled() -> bool:
            messages_relay()  # what beat does every minute: reclaims expired leases, wakes workers
            return not messages.exclude(status__in=(Status.SENT, Status.UNKNOWN)).exists()

        wait_for(settled, timeout=150, interval=1.0, what="every message sent or marked unknown")
        assert second.alive(), second.log()[-4000:]

    statuses = dict(messages.values_list("status").annotate(n=Count("pk")).order_by())
    unknown = set(messages.filter(status=Status.UNKNOWN).values_list("message_id", flat=True))
    sent = set(messages.filter(status=Status.SENT).values_list("message_id", flat=True))
    arrived = sink.message_ids()

    # In flight at the kill: at most one message per pool process, the stalled one among them.
    assert stalled in unknown
    assert 1 <= len(unknown) <= POOL, statuses
    assert len(sent) + len(unknown) == MESSAGES
    # Nothing twice; everything sent is at the sink once; an unknown one is never sent again.
    assert sink.duplicates() == {}
    assert all(arrived[message_id] == 1 for message_id in sent)
    assert all(arrived[message_id] <= 1 for message_id in unknown)
    assert len(arrived) >= MESSAGES - len(unknown)
    # The recruiter hears about each message whose outcome is unknown.
    for message in messages.filter(status=Status.UNKNOWN):
        assert message.attempt_log.filter(outcome=MessageAttempt.Outcome.UNKNOWN).count() == 1
        assert RecruiterPrompt.objects.filter(
            message=message, reason=RecruiterPrompt.Reason.OUTCOME_UNKNOWN, resolved_at__isnull=True
        ).exists()
