"""Cursor pagination over (updated_at, id), oldest change first, with an updated_since filter.

A client that keeps the last page's cursor (or the greatest updated_at it saw) reads every later change
once. updated_at is the database's clock when the row was written, and the write commits a moment
later, so a poll by updated_since should overlap the previous one by a minute.
"""

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator

ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def _iso_only(value: object) -> object:
    # pydantic would also take a number of seconds ("0.5"); a client that sent one meant something else.
    if isinstance(value, str) and not ISO_8601.match(value):
        raise ValueError("Give an ISO 8601 time with its offset, e.g. 2026-01-31T09:00:00Z.")
    return value


def _in_utc(value: datetime) -> datetime:
    # The database keeps offsets up to 15:59 only; any time the client meant is the same instant in UTC.
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("This time is out of range.") from error


DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class ListParams(Schema):
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT
    updated_since: Annotated[AwareDatetime, BeforeValidator(_iso_only), AfterValidator(_in_utc)] | None = None


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
        queryset = queryset.filter(updated_at__gte=params.updated_since)
    if params.cursor:
        updated_at, pk = _decode(params.cursor)
        queryset = queryset.filter(Q(updated_at__gt=updated_at) | Q(updated_at=updated_at, pk__gt=pk))
    items = list(queryset.order_by("updated_at", "pk")[: params.limit + 1])
    more = len(items) > params.limit
    items = items[: params.limit]
    return {"items": items, "next_cursor": _encode(items[-1].updated_at, items[-1].pk) if more else None}
