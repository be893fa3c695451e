"""The named events the notifications app publishes: what happened to a message once it left the outbox.

Published with `recruiting.events.publish`, inside the transaction that records the outcome, so that what
the layers above write about it (the API's webhooks) commits or rolls back with it. Who listens is
written in `inloop/subscriptions.py`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from candidates.models import Candidate
from notifications.models import OutboundMessage


@dataclass(frozen=True)
class MessagesSent:
    """Messages the mail server accepted, recorded `sent` together at `at` (digests to recruiters included)."""

    messages: Sequence[OutboundMessage]
    at: datetime


@dataclass(frozen=True)
class AddressUndeliverable:
    """The mail provider said an address bounced, was complained about or was refused (`kind`: anymail's
    event type, "bounced", "complained" or "rejected"): `candidates` use it, `message` is ours when the
    provider named one."""

    kind: str
    message: OutboundMessage | None
    candidates: Sequence[Candidate]
    at: datetime
