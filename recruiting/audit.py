"""The audit log's writers: who did what, when, in the transaction of the change they record.

At the bottom of the layers with the models: every service of every app records through here, so this
module imports the models and nothing else of the project.
"""

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from recruiting.models import AuditLog

User = AbstractBaseUser

# Details every audit row written in the current context carries besides its own: the API names the key a
# write came through (docs/rules.md#ats-is-a-user), whichever service records it.
_context_details: ContextVar[dict | None] = ContextVar("audit_context_details", default=None)


@contextmanager
def audit_context(**details: object) -> Iterator[None]:
    """Add `details` to every audit row written inside the block."""
    token = _context_details.set({**(_context_details.get() or {}), **details})
    try:
        yield
    finally:
        _context_details.reset(token)


def _in_context(details: dict | None) -> dict:
    extra = _context_details.get()
    return {**(details or {}), **extra} if extra else details or {}


# The rows recorded inside audit_gathered(), with the savepoints open when it began (None outside it).
_gathered: ContextVar[tuple[list[AuditLog], int] | None] = ContextVar("audit_gathered", default=None)


@contextmanager
def audit_gathered() -> Iterator[None]:
    """The rows recorded inside the block (through audit_log_record) are written in one insert at its end,
    as they were made (same order, same times and details). Use it inside the transaction the block's changes
    are in: a block left by an exception writes nothing, and its transaction must be rolled back. A row
    recorded inside a savepoint opened within the block is written at once (that savepoint may be undone)."""
    rows: list[AuditLog] = []
    token = _gathered.set((rows, len(connection.savepoint_ids)))
    try:
        yield
    finally:
        _gathered.reset(token)
    if rows:
        AuditLog.objects.bulk_create(rows)


def audit_log_record(*, actor: User | None, action: str, obj: models.Model, details: dict | None = None) -> AuditLog:
    """One audit row; call it inside the transaction of the change it records (inside audit_gathered(),
    written at the block's end: its pk is set then)."""
    row = AuditLog(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        details=_in_context(details),
    )
    gathered = _gathered.get()
    if gathered is not None and connection.in_atomic_block and not any(connection.savepoint_ids[gathered[1] :]):
        gathered[0].append(row)
    else:
        row.save(force_insert=True)
    return row


def audit_log_record_many(
    *,
    actor: User | None,
    action: str,
    model: type[models.Model],
    object_ids: Iterable[int],
    details: dict | None = None,
) -> int:
    """One audit row per object of a bulk change (same actor, action and details), in one insert."""
    same = details or {}
    return audit_log_record_each(actor=actor, action=action, model=model, entries=[(pk, same) for pk in object_ids])


def audit_log_record_each(
    *, actor: User | None, action: str, model: type[models.Model], entries: Sequence[tuple[int, dict]]
) -> int:
    """One audit row per (object id, details) of a bulk change, in one insert.

    Call it inside the transaction of the change. On PostgreSQL it is a single INSERT ... SELECT over
    unnest(): quoting thousands of model instances for bulk_create costs ten times as much, and the
    overdue scan records thousands of prompts at once. Details shared by many rows are serialised once.
    """
    if not entries:
        return 0
    if _context_details.get():
        merged: dict[int, dict] = {}
        entries = [(pk, merged.setdefault(id(details), _in_context(details))) for pk, details in entries]
    serialised: dict[int, str] = {}

    def as_json(details: dict) -> str:
        if id(details) not in serialised:
            serialised[id(details)] = json.dumps(details, cls=DjangoJSONEncoder)
        return serialised[id(details)]

    label = model._meta.label_lower
    at = timezone.now()
    if connection.vendor == "postgresql":
        columns = ", ".join(
            connection.ops.quote_name(AuditLog._meta.get_field(name).column)
            for name in ("actor", "action", "object_type", "object_id", "at", "details")
        )
        texts = [as_json(details) for _pk, details in entries]
        # One details value for every row (the overdue scan's thousands of prompts) is sent once.
        details_sql, details_value = ("%s::jsonb", texts[0]) if len(serialised) == 1 else ("unnest(%s::jsonb[])", texts)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(AuditLog._meta.db_table)} ({columns}) "  # noqa: S608 (names from the model)
                f"SELECT %s, %s, %s, unnest(%s::bigint[]), %s, {details_sql}",
                [actor.pk if actor else None, action, label, [pk for pk, _details in entries], at, details_value],
            )
    else:
        AuditLog.objects.bulk_create(
            AuditLog(actor=actor, action=action, object_type=label, object_id=pk, at=at, details=details)
            for pk, details in entries
        )
    return len(entries)


def audit_log_record_for(
    *, actor: User | None, action: str, object_type: str, object_id: int, details: dict | None = None
) -> AuditLog:
    """One audit row about something named by label and id (a row that may be gone, such as a deleted
    holiday); call it inside the transaction of the change it records."""
    return AuditLog.objects.create(
        actor=actor, action=action, object_type=object_type, object_id=object_id, details=_in_context(details)
    )
