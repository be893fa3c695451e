"""An SMTP email backend that knows how far each conversation got.

When a connection dies, the one question that matters is whether the server may already hold the
message. Before the DATA command was accepted it cannot: sending again is safe. Once the body started
to go over the wire it may have been delivered, and sending again risks a duplicate: the outbox then
marks the message `unknown` and leaves the decision to a person.

An address whose local part is not ASCII (`jose.müller@example.com`, RFC 6531) can only travel with
SMTPUTF8: such a message is sent with it, headers in UTF-8, when the server offers it, and refused with
a sentence a recruiter can act on when it does not (a permanent failure: another try will not help).
"""

import email.policy
import smtplib
from email.headerregistry import HeaderRegistry

from django.core.mail.backends.smtp import EmailBackend

from notifications.mime import envelope_address, ordinary_bytes


class HeaderClasses(HeaderRegistry):
    """The standard header registry, making each header's class once rather than for every header.

    The registry builds a new class every time it is asked for one: about thirty-five times per message
    (each header is parsed when set and again when folded), a tenth of a worker's time to build a
    message. The classes hold no state; the headers are the same.
    """

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = super().__getitem__(name)
        return made


MESSAGE_POLICY = email.policy.SMTP.clone(header_factory=HeaderClasses())
# Headers are folded at RFC 5322's hard limit, not at 78 columns: folding a long List-Unsubscribe URL
# (it has no spaces) makes Python fall back to an RFC 2047 encoded word, which no mail client reads as
# a URL. Bodies are unaffected: their encoding is chosen when the message is built.
WIRE_POLICY = MESSAGE_POLICY.clone(max_line_length=998)
# For SMTPUTF8: headers in UTF-8 as they are; RFC 2047 would mangle a non-ASCII address into nonsense.
UTF8_MESSAGE_POLICY = MESSAGE_POLICY.clone(utf8=True)
UTF8_WIRE_POLICY = WIRE_POLICY.clone(utf8=True)


def wire_bytes(email_message) -> bytes:
    """The bytes handed to the server: the message built with MESSAGE_POLICY, written with WIRE_POLICY.
    An ordinary email is written directly (notifications.mime), the same bytes at a fraction of the cost."""
    written = ordinary_bytes(email_message, policy=MESSAGE_POLICY)
    if written is not None:
        return written
    return email_message.message(policy=MESSAGE_POLICY).as_bytes(policy=WIRE_POLICY)


def international_address_refused(address: str) -> ValueError:
    """The error for a message that needs SMTPUTF8 when the mail server does not offer it.

    A ValueError, not an SMTPException: the connection is fine and a retry cannot help, so the outbox
    records a permanent failure, with this sentence in its reason.
    """
    return ValueError(
        f"The mail server cannot take the address {address}: it does not support internationalised addresses "
        "(SMTPUTF8)."
    )


class Phase:
    IDLE = "idle"
    ENVELOPE = "envelope"  # MAIL FROM / RCPT TO: nothing handed over yet
    DATA = "data"  # DATA sent, waiting for the 354 go-ahead: still nothing handed over
    BODY = "body"  # the body is on its way or delivered, the final reply not yet read
    DONE = "done"


class HandoverWithdrawn(Exception):
    """The body must not go: the sender withdrew it at the server's go-ahead (before_body said no)."""


class _PhaseRecording:
    phase = Phase.IDLE
    # Asked, when the server said go ahead after DATA and before the body goes, whether it may go: the
    # outbox waits there for the message's hand-over mark. Nothing has been handed over yet.
    before_body = None

    def sendmail(self, *args, **kwargs):
        self.phase = Phase.ENVELOPE
        result = super().sendmail(*args, **kwargs)
        self.phase = Phase.DONE
        return result

    def data(self, msg):
        self.phase = Phase.DATA
        return super().data(msg)

    def getreply(self):
        code, message = super().getreply()
        if self.phase == Phase.DATA and code == 354:
            if self.before_body is not None and not self.before_body():
                raise HandoverWithdrawn("the message is no longer this sender's to hand over")
            self.phase = Phase.BODY
        return code, message


class PhaseRecordingSMTP(_PhaseRecording, smtplib.SMTP):
    pass


class PhaseRecordingSMTPSSL(_PhaseRecording, smtplib.SMTP_SSL):
    pass


class SMTPBackend(EmailBackend):
    """Django's SMTP backend, over connections that record the phase of the current message."""

    @property
    def connection_class(self):
        return PhaseRecordingSMTPSSL if self.use_ssl else PhaseRecordingSMTP

    @property
    def handover_phase(self) -> str:
        """How far the last message got on this connection (Phase.IDLE when there is none)."""
        return getattr(self.connection, "phase", Phase.IDLE) if self.connection is not None else Phase.IDLE

    def _send(self, email_message):
        if not email_message.recipients():
            return False
        raw_addresses = [email_message.from_email, *email_message.recipients()]
        # A plain ASCII mailbox needs no parsing (notifications.mime); any other is prep_address's.
        plain = [envelope_address(raw) for raw in raw_addresses]
        parsed = [
            self.prep_address(raw, force_ascii=False)
            for raw, known in zip(raw_addresses, plain, strict=True)
            if known is None
        ]
        international = [address for address in parsed if not address.rpartition("@")[0].isascii()]
        try:
            if international:
                self.connection.ehlo_or_helo_if_needed()
                if not self.connection.has_extn("smtputf8"):
                    if self.fail_silently:
                        return False
                    raise international_address_refused(international[0])
                self._send_smtputf8(email_message)
            else:
                from_email, *recipients = [
                    known or self.prep_address(raw) for raw, known in zip(raw_addresses, plain, strict=True)
                ]
                self.connection.sendmail(from_email, recipients, wire_bytes(email_message))
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True

    def _send_smtputf8(self, email_message) -> None:
        from_email = self.prep_address(email_message.from_email, force_ascii=False)
        recipients = [self.prep_address(address, force_ascii=False) for address in email_message.recipients()]
        message = email_message.message(policy=UTF8_MESSAGE_POLICY)
        # As smtplib's send_message does for international mail: the body may be 8-bit as well.
        options = ["SMTPUTF8", *(["BODY=8BITMIME"] if self.connection.has_extn("8bitmime") else [])]
        self.connection.sendmail(
            from_email, recipients, message.as_bytes(policy=UTF8_WIRE_POLICY), mail_options=options
        )

    def abort(self) -> None:
        """Drop the connection without a polite QUIT: after a timeout the server may never answer one."""
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()
