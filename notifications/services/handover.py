"""The moment of hand-over: the mark each message gets just before its body goes to the mail server, and
what a failure at any moment of the SMTP conversation means for the message (sending.py uses both).
"""

import os
import smtplib
from concurrent.futures import ThreadPoolExecutor

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from notifications.backends import Phase
from notifications.models import MessageAttempt, OutboundMessage
from notifications.services.outbox import Status
from notifications.services.recording import SendError, lease

# The messages combined into an email (daily.py) share its lead's marks: the same statement writes them.
_HANDOVER_SQL = (
    f"UPDATE {connection.ops.quote_name(OutboundMessage._meta.db_table)} "  # noqa: S608 (names from the model)
    "SET handover_at = CASE WHEN %(next)s IN (id, combined_into_id) THEN %(now)s ELSE handover_at END, "
    "lease_expires_at = CASE WHEN %(next)s IN (id, combined_into_id) THEN %(lease)s ELSE lease_expires_at END, "
    "sent_at = CASE WHEN %(next)s IN (id, combined_into_id) THEN sent_at ELSE %(now)s END "
    "WHERE (id IN (%(next)s, %(accepted)s) OR combined_into_id IN (%(next)s, %(accepted)s)) "
    "AND status = %(sending)s AND leased_by = %(worker)s RETURNING id"
)


def mark_handover(message_id: int, worker: str, *, accepted: int | None = None, database=None) -> bool:
    """Claim the moment of hand-over; False when this worker no longer holds the message.

    `accepted` is the message the server accepted just before, still waiting to be recorded with its
    group: the same statement notes when it was accepted (sent_at), so a worker that dies before its
    group is recorded leaves at most the message on the wire unknown. The one statement every message
    costs on its own, written once here rather than built by the ORM for each message. `database` is a
    connection to use from another thread (HandoverMark); this thread's own by default.
    """
    now = timezone.now()
    with (database or connection).cursor() as cursor:
        cursor.execute(
            _HANDOVER_SQL,
            {
                "next": message_id,
                "accepted": accepted if accepted is not None else message_id,
                "now": now,
                "lease": now + lease(),
                "sending": Status.SENDING.value,
                "worker": worker,
            },
        )
        return any(pk == message_id for (pk,) in cursor.fetchall())


class HandoverMark:
    """The hand-over mark of one message, written on this process's database connection by a thread of its
    own while the caller builds the email and sends its envelope; `held()` waits for it.

    The connection is the caller's (shared for the one statement, so that it counts and commits as any
    other); the caller does not use it until `held()` returned.
    """

    _executor: ThreadPoolExecutor | None = None
    _pid: int | None = None

    def __init__(self, message_id: int, worker: str, *, accepted: int | None) -> None:
        self.database = connections[DEFAULT_DB_ALIAS]
        self.database.inc_thread_sharing()
        self._done = False
        self._future = self._pool().submit(mark_handover, message_id, worker, accepted=accepted, database=self.database)

    @classmethod
    def _pool(cls) -> ThreadPoolExecutor:
        if cls._executor is None or cls._pid != os.getpid():  # a forked worker makes its own
            cls._executor, cls._pid = ThreadPoolExecutor(max_workers=1, thread_name_prefix="handover"), os.getpid()
        return cls._executor

    def held(self) -> bool:
        """Whether this worker still holds the message, once the mark is committed."""
        try:
            return self._future.result()
        finally:
            if not self._done:
                self._done = True
                self.database.dec_thread_sharing()


def classify_send_error(error: BaseException, *, phase: str | None) -> SendError:
    """What a failure means for the message: permanent, temporary, or unknown (maybe delivered).

    An SMTP reply decides by its code (5xx permanent, 4xx temporary). A lost or silent connection is
    temporary while nothing was handed over, and unknown once the body started to go (phase BODY).
    """
    detail = f"{type(error).__name__}: {error}"[:1000]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        code = codes[0] if codes else None
        permanent = code is not None and code >= 500
        return SendError(
            MessageAttempt.Outcome.PERMANENT if permanent else MessageAttempt.Outcome.TRANSIENT, code, detail, False
        )
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        permanent = 500 <= code < 600
        return SendError(
            MessageAttempt.Outcome.PERMANENT if permanent else MessageAttempt.Outcome.TRANSIENT, code, detail, False
        )
    if isinstance(error, OSError | smtplib.SMTPException):
        outcome = MessageAttempt.Outcome.UNKNOWN if phase == Phase.BODY else MessageAttempt.Outcome.TRANSIENT
        return SendError(outcome, None, detail, True)
    if phase == Phase.BODY:
        return SendError(MessageAttempt.Outcome.UNKNOWN, None, detail, True)
    return SendError(MessageAttempt.Outcome.PERMANENT, None, detail, False)
