"""The relay (beat, every minute): reclaim expired leases, record what a stopped worker got accepted,
mark unknown what it may have handed over, and wake workers for every due row."""

import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from notifications.models import MessageAttempt, MessageTemplate, OutboundMessage
from notifications.services import recording
from notifications.services.outbox import WAITING, Status
from notifications.services.sending import BATCH_SIZE
from recruiting.models import RecruiterPrompt
from recruiting.services import prompts
from recruiting.task_calls import TaskCall, enqueue

logger = logging.getLogger(__name__)

RELAY_MAX_BATCHES = 8
SEND_DUE_BATCH_TASK = "notifications.tasks.outbox.send_due_batch"


@dataclass
class RelayReport:
    requeued: int = 0
    unknown: int = 0
    # Accepted by the server but not yet recorded when their worker stopped: recorded sent now.
    sent: int = 0
    due: int = 0
    batches: int = 0


def _lease_expired_unknown(message_id: int, now: datetime) -> bool:
    with transaction.atomic():
        updated = OutboundMessage.objects.filter(
            pk=message_id,
            status=Status.SENDING,
            lease_expires_at__lt=now,
            handover_at__isnull=False,
            sent_at__isnull=True,
        ).update(
            status=Status.UNKNOWN,
            lease_expires_at=None,
            attempts=F("attempts") + 1,
            status_reason="The worker stopped while handing it over: it may have arrived.",
        )
        if not updated:
            return False
        message = OutboundMessage.objects.select_related("application").get(pk=message_id)
        recording.attempt_record(
            message_id,
            outcome=MessageAttempt.Outcome.UNKNOWN,
            worker=message.leased_by,
            detail="Lease expired after hand-over began; no outcome was recorded.",
        )
        if message.application is not None:
            prompts.prompt_open(
                application=message.application,
                reason=RecruiterPrompt.Reason.OUTCOME_UNKNOWN,
                detail=f"{MessageTemplate.Code(message.template_code).label}: {message.status_reason}",
                message=message,
            )
    return True


def _lease_expired_accepted(expired) -> int:
    """Record as sent, at the moment they were accepted, the messages a stopped worker's server accepted
    but the worker never recorded."""
    accepted = defaultdict(list)
    for message in expired.filter(handover_at__isnull=False, sent_at__isnull=False).order_by("pk"):
        accepted[(message.leased_by, message.sent_at)].append(message)
    recorded = 0
    for (worker, at), messages in accepted.items():
        try:
            recorded += len(recording.record_sent_many(messages, worker=worker, at=at))
        except DatabaseError:
            # Left as they are for the next run; the rest of the relay's work goes on.
            logger.warning("Recording %d accepted messages of %s failed.", len(messages), worker, exc_info=True)
    return recorded


def messages_relay(*, now: datetime | None = None) -> RelayReport:
    """Beat, every minute: reclaim expired leases, then wake workers for every due row."""
    now = now or timezone.now()
    report = RelayReport()
    expired = OutboundMessage.objects.filter(status=Status.SENDING, lease_expires_at__lt=now)
    report.requeued = expired.filter(handover_at__isnull=True).update(
        status=Status.QUEUED, leased_by="", lease_expires_at=None
    )
    report.sent = _lease_expired_accepted(expired)
    for message_id in expired.filter(handover_at__isnull=False, sent_at__isnull=True).values_list("pk", flat=True):
        report.unknown += _lease_expired_unknown(message_id, now)
    report.due = OutboundMessage.objects.filter(status__in=WAITING, send_after__lte=now).count()
    report.batches = min(math.ceil(report.due / BATCH_SIZE), RELAY_MAX_BATCHES)
    enqueue(*(TaskCall(SEND_DUE_BATCH_TASK, kwargs={"limit": BATCH_SIZE}, hint=True) for _ in range(report.batches)))
    return report
