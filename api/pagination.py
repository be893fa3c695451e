"""Cursor pagination over (updated_at, id), oldest change first, with an updated_since filter.

A client that keeps the last page's cursor (or the greatest updated_at it saw) reads every later change
once. updated_at is the database's clock when the row was written, and the write commits a moment
later, so a poll by updated_since should overlap the previous one by a minute.
"""

import base64
import binascii
import json
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from ninja import Schema

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class ListParams(Schema):
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT
    updated_since: datetime | None = None


def _encode(updated_at: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([updated_at.isoformat(), pk]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, pk = json.loads(raw)
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise ValidationError({"cursor": "This cursor is not one the API gave."}) from error


def paginate(queryset: QuerySet, params: ListParams) -> dict:
    if not 1 <= params.limit <= MAX_LIMIT:
        raise ValidationError({"limit": f"Ask for 1 to {MAX_LIMIT} items."})
    if params.updated_since is not None:
        if params.updated_since.tzinfo is None:
            raise ValidationError({"updated_since": "Give the time with its offset, e.g. 2026-01-31T09:00:00Z."})
        queryset = queryset.filter(updated_at__gte=params.updated_since)
    if params.cursor:
        updated_at, pk = _decode(params.cursor)
        queryset = queryset.filter(Q(updated_at__gt=updated_at) | Q(updated_at=updated_at, pk__gt=pk))
    items = list(queryset.order_by("updated_at", "pk")[: params.limit + 1])
    more = len(items) > params.limit
    items = items[: params.limit]
    return {"items": items, "next_cursor": _encode(items[-1].updated_at, items[-1].pk) if more else None}
