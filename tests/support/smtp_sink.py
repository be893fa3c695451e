"""An SMTP server on loopback that records what it accepted and can misbehave on cue.

    with SmtpSink() as sink:            # or the `smtp_sink` fixture of tests/notifications/integration
    with SmtpSink(smtputf8=True) as s:  # offers SMTPUTF8 (RFC 6531): internationalised addresses accepted
        sink.program("451", "451")      # the next two messages get 451 at end of DATA, then all accepted
        sink.program("550@rcpt")        # the next message is refused at RCPT TO with 550
        sink.program("stall")           # the next message's body is read, then the reply never comes
        sink.default = "550"            # what happens once the program is used up ("accept" at first)
        ...
        sink.count(message_id)          # messages accepted with that Message-ID (a duplicate shows as 2)
        sink.wait_for(lambda: sink.count() >= 3, timeout=20, what="three messages")

Steps: "accept", "<code>" (4xx/5xx at end of DATA), "<code>@rcpt" (at RCPT TO), and "stall" (reads the
body, then sleeps `stall_seconds` before answering 250: the client times out after handing the body
over, the stalled-SMTP drill). A stalled body counts as delivered: for the sender's purposes it
may well have been. `attempts` records every step taken, for asserting retries.
"""

import asyncio
import email
import email.message
import socket
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from aiosmtpd.controller import Controller

from tests.support.processes import wait_for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Received:
    message_id: str
    recipients: tuple[str, ...]
    message: email.message.Message
    smtputf8: bool = False  # the client asked for SMTPUTF8 in its MAIL FROM


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        step = self.sink._next_step(at="rcpt")
        if step is not None:
            return _reply(step)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        step = self.sink._next_step(at="data")
        parsed = email.message_from_bytes(envelope.original_content or envelope.content)
        if step == "stall":
            self.sink._record(parsed, envelope.rcpt_tos, smtputf8=envelope.smtp_utf8)
            await asyncio.sleep(self.sink.stall_seconds)
            return "250 OK"
        if step is not None and step != "accept":
            return _reply(step)
        self.sink._record(parsed, envelope.rcpt_tos, smtputf8=envelope.smtp_utf8)
        return "250 OK"


def _reply(step: str) -> str:
    code = int(step.split("@")[0])
    text = "Try again later" if code < 500 else "Mailbox unavailable"
    return f"{code} {code // 100}.0.0 {text}"


class SmtpSink:
    def __init__(self, *, stall_seconds: float = 30.0, smtputf8: bool = False):
        self.port = free_port()
        self.host = "127.0.0.1"
        self.stall_seconds = stall_seconds
        self.default = "accept"
        self.attempts: list[str] = []
        self._program: deque[str] = deque()
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, ready_timeout=10, enable_SMTPUTF8=smtputf8
        )

    def __enter__(self) -> "SmtpSink":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    # --- behaviour ---------------------------------------------------------------------------------

    def program(self, *steps: str) -> None:
        """Queue what happens to the next messages, one step per message (then `default`)."""
        with self._lock:
            self._program.extend(steps)

    def reset(self) -> None:
        with self._lock:
            self._program.clear()
            self._received.clear()
            self.attempts.clear()
            self.default = "accept"

    def _next_step(self, *, at: str) -> str | None:
        """The step for the message now at `at` ("rcpt" or "data"), or None to carry on normally."""
        with self._lock:
            step = self._program[0] if self._program else self.default
            targets_rcpt = step.endswith("@rcpt")
            if at == "rcpt" and not targets_rcpt:
                return None
            if self._program:
                self._program.popleft()
            self.attempts.append(step)
            return step

    def _record(self, message: email.message.Message, recipients: list[str], *, smtputf8: bool = False) -> None:
        with self._lock:
            self._received.append(
                Received(str(message.get("Message-ID", "")), tuple(recipients), message, smtputf8=smtputf8)
            )

    # --- what arrived ------------------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def count(self, message_id: str | None = None) -> int:
        with self._lock:
            if message_id is None:
                return len(self._received)
            return sum(1 for item in self._received if item.message_id == message_id)

    def message_ids(self) -> Counter:
        with self._lock:
            return Counter(item.message_id for item in self._received)

    def duplicates(self) -> dict[str, int]:
        return {message_id: n for message_id, n in self.message_ids().items() if n > 1}

    def wait_for(self, condition: Callable[[], bool], *, timeout: float = 20.0, what: str = "the sink") -> None:
        wait_for(condition, timeout=timeout, what=what)
