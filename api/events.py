"""The named events the api app publishes: what its webhooks did that the layers it sits on must hear of.

Published with `recruiting.events.publish`, inside the transaction that records it. The fields are plain
values (no api model), so that a subscriber below the api app (the notifications app's email to the admins)
can take them without importing this app; `inloop/subscriptions.py` says who listens.
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class WebhookSubscriptionSwitchedOff:
    """The system switched a subscription off at `at`: its deliveries were given up `failures` times in a
    row, the last one with `last_error`."""

    subscription_id: int
    url: str
    failures: int
    last_error: str
    at: datetime
