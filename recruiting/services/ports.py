"""The ports from the pipeline to the layers above it: who is told about a batch of stage changes, and
who chases a client whose answer is due.

The pipeline writes a stage change and must not know what follows from it (an email, for one). What
follows subscribes here, once, from its app config's ready() (notifications: `stage_changes_notify`, the
emails a move owes). Every subscriber runs inside the pipeline's transaction, with the stage changes
just written (each with its application, candidate, job, client and owner loaded): what it writes
commits or rolls back with the move.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser

from ..models import Application, StageChange

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


@dataclass(frozen=True)
class ClientChaseSent:
    """A due client answer put to one hiring manager, in the email `message_id` (several share one)."""

    application_id: int
    hiring_manager_id: int
    message_id: int


ClientChaser = Callable[..., Sequence[ClientChaseSent]]

_client_chasers: list[ClientChaser] = []


def client_chases_subscribe(chaser: ClientChaser) -> None:
    """Called as chaser(applications=..., now=...) with applications whose client answer is due, each
    with job.reachable_managers loaded; returns what it chased (an application left out waits for the
    next scan: its managers were already chased today). Idempotent."""
    if chaser not in _client_chasers:
        _client_chasers.append(chaser)


def client_chases_publish(*, applications: Sequence[Application], now: datetime) -> list[ClientChaseSent]:
    sent: list[ClientChaseSent] = []
    for chaser in _client_chasers:
        sent.extend(chaser(applications=applications, now=now))
    return sent
