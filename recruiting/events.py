"""The named events the pipeline publishes, and how they reach their subscribers.

The pipeline writes its rows and then says what happened; it never knows what follows (a message to the
candidate, a webhook to the firm's ATS). Who listens to which event is written in one place,
`inloop/subscriptions.py`, installed once when the project starts: a reader goes from `publish(...)` to
that table and on to the subscriber without running the code.

Every subscriber runs inside the publisher's transaction, with the rows just written (each application
with its candidate, job, client and owner loaded): what it writes commits or rolls back with the change.
A subscriber is called with the event's fields as keyword arguments; `publish` returns what each one
returned, in the table's order.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser

from recruiting.models import Application, ClientAnswer, ContactEvent, StageChange, StagePolicy


@dataclass(frozen=True)
class ApplicationsMoved:
    """Stage changes written together (an application added is a change into NEW), by `by` (None: the
    system); `holidays` and every stage's policy row (selectors.stage_policy_rows) as the mover read
    them, None when not read yet: a subscriber reads them again only then."""

    stage_changes: Sequence[StageChange]
    by: AbstractBaseUser | None
    holidays: frozenset[date] | None
    policy_rows: Mapping[str, StagePolicy] | None = None


@dataclass(frozen=True)
class SafetyNetOwed:
    """The message the safety net owes the candidate of `application`, silent since `silence_started_at`.

    It must go out at `send_at` (held until then, policy.safety_net_send_time) and never later than
    `must_send_by`; `next_update_by` is the next real date it may promise.
    """

    application: Application
    silence_started_at: datetime
    send_at: datetime
    must_send_by: datetime
    next_update_by: datetime


@dataclass(frozen=True)
class SafetyNetsDue:
    """The safety net's messages owed in one scan. Each subscriber returns the ids of the applications
    whose candidate will get one (not suppressed); the pipeline asks a person to call the others."""

    owed: Sequence[SafetyNetOwed]
    holidays: frozenset[date]


@dataclass(frozen=True)
class ClientChaseSent:
    """A due client answer put to one hiring manager, in the message `message_id` (several share one)."""

    application_id: int
    hiring_manager_id: int
    message_id: int


@dataclass(frozen=True)
class ClientAnswersDue:
    """Applications whose client answer is due, each with job.reachable_managers loaded. Each subscriber
    returns the ClientChaseSent it wrote; an application left out waits for the next scan (its managers
    were already chased today)."""

    applications: Sequence[Application]
    now: datetime


@dataclass(frozen=True)
class ReplyReceived:
    """Someone wrote back about applications: `contacts`, the inbound contacts recorded (one per application
    the reply was about). `sender`: "candidate", "other" (someone else answering the candidate's email) or
    "hiring_manager"; `automatic` (an out-of-office) and `verified` (the sender proven) as recorded."""

    contacts: Sequence[ContactEvent]
    sender: str
    automatic: bool
    verified: bool
    by: AbstractBaseUser | None
    at: datetime


@dataclass(frozen=True)
class ClientAnswered:
    """A hiring manager's answer from their link recorded against `application` (`corrected`: it replaced
    the answer the same link gave before)."""

    application: Application
    answer: ClientAnswer
    corrected: bool
    by: AbstractBaseUser | None
    at: datetime


@dataclass(frozen=True)
class PromptsOpened:
    """Recruiter prompts opened for one `reason` (by a service or the overdue scan); `prompt_ids` only the
    ones this call created, never one already open."""

    prompt_ids: Sequence[int]
    reason: str
    by: AbstractBaseUser | None
    at: datetime


@dataclass(frozen=True)
class PromptsEscalated:
    """Open prompts whose team lead was told (`to_lead`: prompt id -> the lead's user id)."""

    to_lead: Mapping[int, int]
    by: AbstractBaseUser | None
    at: datetime


@dataclass(frozen=True)
class SafetyNetsActed:
    """What one scan's safety net did, per application: a message owed to the candidate (written by the
    subscribers of SafetyNetsDue) or a person asked to call (a prompt, escalated at once)."""

    message_owed: Sequence[Application]
    call_asked: Sequence[Application]
    by: AbstractBaseUser | None
    at: datetime


@dataclass(frozen=True)
class DatePromised:
    """A next-step date promised to the candidate mid-stage (None: the promise withdrawn), with the
    recruiter's note. `tell_candidate`: the candidate is to be told the new date; `idempotency_key` names
    the request (a form sent twice is one promise), None when the caller gives none."""

    application: Application
    next_step_date: date | None
    note: str
    tell_candidate: bool
    idempotency_key: str | None
    by: AbstractBaseUser | None
    at: datetime


Subscriber = Callable[..., object]

_subscriptions: dict[type, tuple[Subscriber, ...]] = {}


def subscriptions_install(table: Mapping[type, Sequence[Subscriber]]) -> None:
    """Replace who listens to what by `table` (event class -> subscribers, called in order)."""
    _subscriptions.clear()
    _subscriptions.update({event: tuple(subscribers) for event, subscribers in table.items()})


def subscribers_of(event_type: type) -> tuple[Subscriber, ...]:
    return _subscriptions.get(event_type, ())


def publish(event: object) -> list[object]:
    """Call every subscriber of the event's class, in order, with its fields; return their answers."""
    arguments = {field.name: getattr(event, field.name) for field in fields(event)}
    return [subscriber(**arguments) for subscriber in subscribers_of(type(event))]
