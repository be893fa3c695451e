"""The mail files of the embedded mode: with no mail server configured (`make run`), Django's file backend
writes every email under INLOOP_RUN_DIR/mail, several to a file, each followed by a line of 79 dashes.

They are copies of what the outbox sent, so a person's data rights cover them too (a candidate's, a
hiring manager's): the export lists the emails kept there for them, the erasure removes them from the
files.
"""

import email
import email.policy
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from django.conf import settings

SEPARATOR = b"\n" + b"-" * 79 + b"\n"
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def mail_file_folders() -> list[Path]:
    """The folders the configured mailers write files to (none when mail goes to a server)."""
    folders = []
    for mailer in getattr(settings, "MAILERS", {}).values():
        folder = mailer.get("OPTIONS", {}).get("file_path")
        if mailer.get("BACKEND") == FILE_BACKEND and folder:
            folders.append(Path(folder))
    return list(dict.fromkeys(folders))


def _files() -> list[Path]:
    return [path for folder in mail_file_folders() if folder.is_dir() for path in sorted(folder.iterdir())]


def _blocks(path: Path) -> list[bytes]:
    return [block for block in path.read_bytes().split(SEPARATOR) if block.strip()]


def _text(message: email.message.EmailMessage) -> str:
    parts = [str(message.get("subject", ""))]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                parts.append(part.get_content())
            except (LookupError, UnicodeError):
                parts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    return "\n".join(parts)


def _is_about(block: bytes, *, addresses: list[str], strings: list[str]) -> email.message.EmailMessage | None:
    """The message in `block` when it was sent to one of `addresses` or names one of `strings`; else None."""
    message = email.message_from_bytes(block, policy=email.policy.default)
    headers = [str(value) for name in ("to", "cc", "bcc") for value in message.get_all(name, [])]
    wanted = {address.casefold() for address in addresses}
    if any(found.casefold() in wanted for _, found in getaddresses(headers)):
        return message
    text = _text(message).casefold()
    return message if any(value.casefold() in text for value in strings if value) else None


def mail_files_export(*, addresses: list[str], strings: list[str]) -> list[dict[str, Any]]:
    """The emails kept in mail files for a person: file, date, subject and Message-ID of each."""
    found = []
    for path in _files():
        for block in _blocks(path):
            message = _is_about(block, addresses=addresses, strings=strings)
            if message is not None:
                found.append(
                    {
                        "file": path.name,
                        "date": str(message.get("date", "")),
                        "subject": str(message.get("subject", "")),
                        "message_id": str(message.get("message-id", "")),
                    }
                )
    return found


def mail_files_erase(*, addresses: list[str], strings: list[str]) -> int:
    """Remove a person's emails from the mail files (a file left empty is deleted); how many went."""
    removed = 0
    for path in _files():
        blocks = _blocks(path)
        kept = [block for block in blocks if _is_about(block, addresses=addresses, strings=strings) is None]
        if len(kept) == len(blocks):
            continue
        removed += len(blocks) - len(kept)
        if kept:
            path.write_bytes(b"".join(block + SEPARATOR for block in kept))
        else:
            path.unlink()
    return removed
