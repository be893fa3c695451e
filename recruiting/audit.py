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


def audit_log_record(*, actor: User | None, action: str, obj: models.Model, details: dict | None = None) -> AuditLog:
    """One audit row; call it inside the transaction of the change it records."""
    return AuditLog.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        details=_in_context(details),
    )


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
