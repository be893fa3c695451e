"""The one port from the pipeline to the layers above it: who is told about a batch of stage changes.

The pipeline writes a stage change and must not know what follows from it (an email, for one). What
follows subscribes here, once, from its app config's ready() (notifications: `stage_changes_notify`, the
emails a move owes). Every subscriber runs inside the pipeline's transaction, with the stage changes
just written (each with its application, candidate, job, client and owner loaded): what it writes
commits or rolls back with the move.
"""

from collections.abc import Callable, Sequence
from datetime import date

from django.contrib.auth.models import AbstractBaseUser

from ..models import StageChange

StageChangesSubscriber = Callable[..., object]

_subscribers: list[StageChangesSubscriber] = []


def stage_changes_subscribe(subscriber: StageChangesSubscriber) -> None:
    """Called as subscriber(stage_changes=..., by=..., holidays=...) for every batch; idempotent."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def stage_changes_publish(
    *, stage_changes: Sequence[StageChange], by: AbstractBaseUser | None, holidays: frozenset[date] | None
) -> None:
    for subscriber in _subscribers:
        subscriber(stage_changes=stage_changes, by=by, holidays=holidays)
