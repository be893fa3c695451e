"""A candidate's timeline: stage changes, contacts and the client's answers across their applications."""

from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from recruiting.models import ClientAnswer, ContactEvent, StageChange


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "stage", "contact" or "client_answer"
    item: StageChange | ContactEvent | ClientAnswer


def application_timeline(*, candidate_id: int, limit: int = 200, sent_messages: bool = True) -> list[TimelineEntry]:
    """A candidate's stage changes, contacts and client answers across all applications, newest first.

    With sent_messages=False the contacts recorded for sent outbox messages are left out (a caller that
    shows the messages themselves would otherwise show each one twice).
    """
    changes = (
        StageChange.objects.filter(application__candidate_id=candidate_id)
        .select_related("by", "application__job__client")
        .order_by("-at", "-id")[:limit]
    )
    contacts = ContactEvent.objects.filter(application__candidate_id=candidate_id)
    if sent_messages:
        contacts = contacts.select_related("message")
    else:
        contacts = contacts.filter(message__isnull=True)
    contacts = contacts.select_related("by", "application__job__client").order_by("-at", "-id")[:limit]
    answers = (
        ClientAnswer.objects.filter(application__candidate_id=candidate_id)
        .select_related("hiring_manager", "application__job__client")
        .order_by("-at", "-id")[:limit]
    )
    entries = chain(
        (TimelineEntry(at=c.at, kind="stage", item=c) for c in changes),
        (TimelineEntry(at=c.at, kind="contact", item=c) for c in contacts),
        (TimelineEntry(at=a.at, kind="client_answer", item=a) for a in answers),
    )
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:limit]
