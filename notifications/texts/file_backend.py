"""The SMS sender of the embedded mode: each text is written as one JSON file under INLOOP_SMS_FILE_PATH
(`.run/texts` by default), like the mail files under `.run/mail`. Nothing leaves the machine.

The files are copies of what was sent, so a candidate's data rights cover them: the export lists the
texts written to their numbers, the erasure deletes them.
"""

import json
import os
import tempfile
import uuid
from pathlib import Path

from django.utils import timezone

from notifications.texts.encoding import text_size
from notifications.texts.senders import TextHandedOver

NAME = "file"


class FileSender:
    name = NAME

    def __init__(self, *, folder: str | Path):
        self.folder = Path(folder)

    def send(self, *, to: str, body: str, status_callback: str = "") -> TextHandedOver:
        """Write the text; a file backend has nothing to report later, so it answers "delivered"."""
        self.folder.mkdir(parents=True, exist_ok=True)
        provider_id = f"FILE{uuid.uuid4().hex}"
        size = text_size(body)
        record = {
            "sid": provider_id,
            "to": to,
            "body": body,
            "encoding": size.encoding,
            "segments": size.segments,
            "created_at": timezone.now().isoformat(),
        }
        # Written whole then renamed: a reader never sees half a text.
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(record, file, ensure_ascii=False, indent=2)
        os.replace(temporary, self.folder / f"{provider_id}.json")
        return TextHandedOver(provider_id=provider_id, status="delivered")


def _files(folder: Path) -> list[tuple[Path, dict]]:
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            found.append((path, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            continue
    return found


def text_files_to(folder: str | Path, *, numbers: list[str]) -> list[dict]:
    """The texts written to any of `numbers` (E.164), oldest file name first."""
    wanted = {number for number in numbers if number}
    return [record for _path, record in _files(Path(folder)) if record.get("to") in wanted]


def text_files_erase(folder: str | Path, *, numbers: list[str]) -> int:
    """Delete the texts written to any of `numbers`; how many were deleted."""
    wanted = {number for number in numbers if number}
    erased = 0
    for path, record in _files(Path(folder)):
        if record.get("to") in wanted:
            path.unlink(missing_ok=True)
            erased += 1
    return erased
