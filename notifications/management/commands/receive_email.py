"""`manage.py receive_email`: one raw email on standard input, as a Postfix or Exim pipe delivers it.

docs/operations.md ("Replies") has the transport lines. The exit status is what the mail server acts on
(sysexits.h): 0 once the email is stored, accepted or rejected with its reason (a rejection is ours to
look at, not the sender's to be bounced); 75 (EX_TEMPFAIL) when it could not be stored, for instance
with the database down, so the mail server keeps the email and tries again: nothing is lost.
"""

import logging
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from notifications.services.inbound import inbound_email_receive

logger = logging.getLogger(__name__)

EX_TEMPFAIL = 75
CHUNK = 1024 * 1024


class Command(BaseCommand):
    help = "Store one raw email read from standard input and put a reply on its application's timeline."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--recipient", default="", help="the envelope recipient (Postfix: ${recipient})")

    def handle(self, *args, recipient: str, **options) -> None:
        raw, size = self._read(sys.stdin.buffer)
        try:
            inbound = inbound_email_receive(raw_bytes=raw, source="pipe", envelope_recipient=recipient, size=size)
        except Exception:
            # Never a lost email: the mail server keeps it and delivers it again later.
            logger.exception("Inbound email (%s bytes) could not be stored; the mail server will retry.", size)
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"inbound #{inbound.pk} {inbound.status}{': ' + inbound.reason if inbound.reason else ''}")

    @staticmethod
    def _read(stream) -> tuple[bytes, int]:
        """The start of the email (one byte past the size limit: enough to know it is too large and to read
        its headers) and its whole size; the rest is read and dropped, never held in memory."""
        keep = settings.INLOOP_INBOUND_MAX_BYTES + 1
        kept, size = bytearray(), 0
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if len(kept) < keep:
                kept += chunk[: keep - len(kept)]
        return bytes(kept), size
