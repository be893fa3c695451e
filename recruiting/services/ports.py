"""The ports from the pipeline to the layers above it: who is told about a batch of stage changes, and
who writes the safety net's email, and who chases a client whose answer is due.

The pipeline writes a stage change and must not know what follows from it (an email, for one). What
follows subscribes here, once, from its app config's ready() (notifications: `stage_changes_notify`, the
emails a move owes; `safety_nets_email`, the safety net's email). Every subscriber runs inside the
pipeline's transaction, with the rows just written (each application with its candidate, job, client
and owner loaded): what it writes commits or rolls back with the pipeline's change.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser

from recruiting.models import Application, StageChange

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
class SafetyNetEmail:
    """The safety net's email owed to the candidate of `application`, silent since `silence_started_at`.

    It must go out at `send_at` (held until then, policy.safety_net_send_time) and never later than
    `must_send_by`; `next_update_by` is the next real date it may promise.
    """

    application: Application
    silence_started_at: datetime
    send_at: datetime
    must_send_by: datetime
    next_update_by: datetime


SafetyNetSubscriber = Callable[..., set[int]]

_safety_net_writers: list[SafetyNetSubscriber] = []


def safety_nets_subscribe(writer: SafetyNetSubscriber) -> None:
    """Called as writer(emails=..., holidays=...) for every batch; returns the ids of the applications
    whose email was written to go (not suppressed). Idempotent."""
    if writer not in _safety_net_writers:
        _safety_net_writers.append(writer)


def safety_nets_publish(*, emails: Sequence[SafetyNetEmail], holidays: frozenset[date]) -> set[int]:
    """The applications (ids) whose candidate will get the email; with no writer subscribed, none: the
    pipeline then tells people to call instead."""
    written: set[int] = set()
    for writer in _safety_net_writers:
        written |= writer(emails=emails, holidays=holidays)
    return written


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
