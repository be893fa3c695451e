"""The interface every SMS sender keeps (notifications.texts.outgoing picks one by INLOOP_SMS_BACKEND).

A sender hands one text to its provider and answers what the provider said (its id for the text, the
status it gave), or raises TextSendError saying whether another try may help: `permanent` (the same
text to the same number will fail again: a number that cannot receive texts, a STOP at the provider),
`transient` (nothing was handed over: the provider is down, busy or misconfigured; retry later) or
`unknown` (the request went out and no answer came: the text may have gone, so it is never re-sent
blindly, as for email).
"""

from dataclasses import dataclass
from typing import Protocol

PERMANENT = "permanent"
TRANSIENT = "transient"
UNKNOWN = "unknown"
# The final statuses of a text that did not arrive (notifications.texts.statuses).
NOT_DELIVERED = frozenset({"undelivered", "failed", "canceled"})


@dataclass(frozen=True)
class TextHandedOver:
    """The provider's id for the text and the status it answered with ("queued", "accepted"...)."""

    provider_id: str
    status: str


class TextSendError(Exception):
    """The provider did not take the text; `kind` is PERMANENT, TRANSIENT or UNKNOWN (module docstring)."""

    def __init__(self, reason: str, *, kind: str, code: int | None = None):
        super().__init__(reason)
        self.kind, self.code = kind, code

    @property
    def reason(self) -> str:
        return str(self)


class TextSender(Protocol):
    name: str

    def send(self, *, to: str, body: str, status_callback: str = "") -> TextHandedOver:
        """Hand the text `body` to the number `to` (E.164); the provider posts its statuses to
        `status_callback` when given."""
        ...
