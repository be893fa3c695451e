"""The notifications app's part of a person's data rights: the messages written to them (with their
tries), the emails that came back from them or about them, the suppression of their address, the
provider's events about it and the mail files of the embedded mode, listed for an export and emptied for
an erasure; then its tables swept of the person's strings. Subscribers of the candidates app's events
(candidates.events), listed in inloop/subscriptions.py."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from candidates.events import DataRightsPart
from notifications.models import InboundMessage, MessageAttempt, OutboundMessage, Suppression, TrackingEvent
from notifications.services import mail_files
from notifications.services.outbox import WAITING, Status
from recruiting.models import ClientChase
from recruiting.personal_data import PersonalData, tables_sweep
from recruiting.services.data_rights import when


def _messages(*, candidate_id: int, application_ids: Iterable[int]) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(Q(candidate_id=candidate_id) | Q(application_id__in=application_ids))


def _any_of(field: str, addresses: Iterable[str]) -> Q:
    """Rows whose `field` is one of the addresses, any case."""
    found = Q(pk__in=[])
    for address in addresses:
        found |= Q(**{f"{field}__iexact": address})
    return found


def _inbound(*, application_ids: Iterable[int], addresses: Iterable[str]) -> QuerySet[InboundMessage]:
    return InboundMessage.objects.filter(Q(application_id__in=application_ids) | _any_of("sender", addresses))


def addresses_written_to(*, candidate_id: int) -> list[str]:
    """Every address the messages written to the candidate went to: an address corrected since is still
    theirs to erase. Only messages to them (their record's), never ones about their applications to others."""
    messages = OutboundMessage.objects.filter(candidate_id=candidate_id).exclude(to_address="")
    return sorted(set(messages.values_list("to_address", flat=True)))


def client_chase_addresses(*, hiring_manager_id: int) -> list[str]:
    """Every address the feedback requests to a hiring manager went to (they may have changed it since)."""
    chases = ClientChase.objects.filter(hiring_manager_id=hiring_manager_id, message__isnull=False)
    messages = OutboundMessage.objects.filter(pk__in=chases.values("message_id")).exclude(to_address="")
    return sorted(set(messages.values_list("to_address", flat=True)))


def _chases_naming(application_ids: Iterable[int]) -> QuerySet[OutboundMessage]:
    """The feedback requests to hiring managers that name the candidate. Erased with the candidate, never
    exported to them: they were written to someone else, and name other candidates too."""
    chases = ClientChase.objects.filter(application_id__in=list(application_ids), message__isnull=False)
    return OutboundMessage.objects.filter(pk__in=chases.values("message_id"))


def _messages_export(*, candidate_id: int, application_ids: Iterable[int], addresses: list[str]) -> dict[str, list]:
    messages = (
        _messages(candidate_id=candidate_id, application_ids=application_ids)
        .prefetch_related("attempt_log")
        .order_by("created_at", "id")
    )
    return {
        "messages": [_message_export(message) for message in messages],
        "suppressions": [
            {"email": s.email, "reason": s.reason, "detail": s.detail, "created_at": when(s.created_at)}
            for s in Suppression.objects.filter(_any_of("email", addresses))
        ],
        "replies": [
            {
                "from": r.sender,
                "subject": r.subject,
                "text": r.text,
                "received_at": when(r.received_at),
                "application": r.application_id,
                "status": r.status,
            }
            for r in _inbound(application_ids=application_ids, addresses=addresses).order_by("received_at", "id")
        ],
        "delivery_events": [
            {"type": e.event_type, "recipient": e.recipient, "description": e.description, "at": when(e.received_at)}
            for e in TrackingEvent.objects.filter(_any_of("recipient", addresses)).order_by("received_at", "id")
        ],
    }


def _message_export(message: OutboundMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "application": message.application_id,
        "template": message.template_code,
        "channel": message.channel,
        "to": message.to_number if message.channel == OutboundMessage.Channel.SMS else message.to_address,
        "subject": message.subject,
        "body_text": message.body_text,
        "body_html": message.body_html,
        "status": message.status,
        "status_reason": message.status_reason,
        "created_at": when(message.created_at),
        "sent_at": when(message.sent_at),
        "attempts": [
            {"at": when(a.at), "outcome": a.outcome, "smtp_code": a.smtp_code, "detail": a.detail}
            for a in message.attempt_log.all()
        ],
    }


def _messages_erase(
    *, candidate_id: int, application_ids: list[int], addresses: list[str], erased_address: str, reason: str
) -> dict[str, list[int]]:
    """Cancel what still waits, empty every message and try, and forget the address in the suppression
    list and the provider's events. Returns the ids of the messages and events, whose audit rows go too."""
    messages = _messages(candidate_id=candidate_id, application_ids=application_ids) | _chases_naming(application_ids)
    messages.filter(status__in=WAITING).update(status=Status.CANCELLED)
    messages.update(
        subject="",
        body_text="",
        body_html="",
        to_address=erased_address,
        to_number="",
        status_reason=reason,
        last_error="",
    )
    message_ids = list(messages.values_list("pk", flat=True))
    MessageAttempt.objects.filter(message_id__in=message_ids).update(detail="")
    for suppression in Suppression.objects.filter(_any_of("email", addresses)):
        suppression.email = f"erased-suppression-{suppression.pk}@erased.invalid"
        suppression.detail = ""
        suppression.save(update_fields=["email", "detail"])
    event_ids = list(
        TrackingEvent.objects.filter(_any_of("recipient", addresses) | Q(message_id__in=message_ids)).values_list(
            "pk", flat=True
        )
    )
    TrackingEvent.objects.filter(pk__in=event_ids).update(recipient="", description="")
    inbound = _inbound(application_ids=application_ids, addresses=addresses) | InboundMessage.objects.filter(
        message_id__in=message_ids
    )
    inbound_ids = list(inbound.values_list("pk", flat=True))
    InboundMessage.objects.filter(pk__in=inbound_ids).update(
        sender="", sender_name="", recipient="", subject="", text="", raw=b"", header_message_id=""
    )
    return {"messages": message_ids, "delivery_events": event_ids, "inbound": inbound_ids}


def _client_chase_messages_erase(
    *, hiring_manager_id: int, addresses: list[str], erased_address: str, reason: str
) -> dict[str, list[int]]:
    """A hiring manager's erasure: the feedback requests written to them are emptied (what still waits is
    cancelled), the emails that came from any of their addresses too, and the addresses forgotten in the
    suppression list and the provider's events. Returns the ids of the messages, events and replies."""
    chases = ClientChase.objects.filter(hiring_manager_id=hiring_manager_id, message__isnull=False)
    messages = OutboundMessage.objects.filter(pk__in=chases.values("message_id"))
    messages.filter(status__in=WAITING).update(status=Status.CANCELLED)
    messages.update(
        subject="", body_text="", body_html="", to_address=erased_address, status_reason=reason, last_error=""
    )
    message_ids = list(messages.values_list("pk", flat=True))
    MessageAttempt.objects.filter(message_id__in=message_ids).update(detail="")
    events = TrackingEvent.objects.filter(_any_of("recipient", addresses) | Q(message_id__in=message_ids))
    event_ids = list(events.values_list("pk", flat=True))
    TrackingEvent.objects.filter(pk__in=event_ids).update(recipient="", description="")
    for suppression in Suppression.objects.filter(_any_of("email", addresses)):
        suppression.email = f"erased-suppression-{suppression.pk}@erased.invalid"
        suppression.detail = ""
        suppression.save(update_fields=["email", "detail"])
    # Their replies, kept as received: the words stay only on the applications' timelines.
    inbound = InboundMessage.objects.filter(Q(message_id__in=message_ids) | _any_of("sender", addresses))
    inbound_ids = list(inbound.values_list("pk", flat=True))
    InboundMessage.objects.filter(pk__in=inbound_ids).update(
        sender="", sender_name="", recipient="", subject="", text="", raw=b"", header_message_id=""
    )
    return {"messages": message_ids, "delivery_events": event_ids, "inbound": inbound_ids}


def _refs(erased: dict[str, list[int]]) -> list[tuple[str, list[int]]]:
    return [
        (OutboundMessage._meta.label_lower, erased["messages"]),
        (TrackingEvent._meta.label_lower, erased["delivery_events"]),
        (InboundMessage._meta.label_lower, erased["inbound"]),
    ]


def candidate_rows_export(
    *, candidate_id: int, application_ids: Iterable[int], personal: PersonalData
) -> DataRightsPart:
    """CandidateExporting: the messages, suppressions, replies, delivery events and mail files about the
    candidate; the admin log is read about the messages written to them."""
    addresses = list(personal.addresses)
    sections = _messages_export(candidate_id=candidate_id, application_ids=application_ids, addresses=addresses)
    sections["mail_files"] = mail_files.mail_files_export(addresses=addresses, strings=personal.strings)
    written_to_them = OutboundMessage.objects.filter(candidate_id=candidate_id).values_list("pk", flat=True)
    return DataRightsPart(sections=sections, refs=[(OutboundMessage._meta.label_lower, written_to_them)])


def candidate_rows_erase(
    *, candidate_id: int, application_ids: list[int], personal: PersonalData, erased_address: str, reason: str
) -> DataRightsPart:
    """CandidateErasing: the messages to them or about them emptied (see _messages_erase)."""
    erased = _messages_erase(
        candidate_id=candidate_id,
        application_ids=application_ids,
        addresses=list(personal.addresses),
        erased_address=erased_address,
        reason=reason,
    )
    return DataRightsPart(refs=_refs(erased), counts={"messages": len(erased["messages"])})


def hiring_manager_rows_erase(
    *, hiring_manager_id: int, personal: PersonalData, erased_address: str, reason: str
) -> DataRightsPart:
    """HiringManagerErasing: the feedback requests to them and their emails emptied."""
    erased = _client_chase_messages_erase(
        hiring_manager_id=hiring_manager_id,
        addresses=list(personal.addresses),
        erased_address=erased_address,
        reason=reason,
    )
    return DataRightsPart(refs=_refs(erased), counts={"messages": len(erased["messages"])})


def personal_data_sweep(*, personal: PersonalData) -> int:
    """PersonalDataSweeping: the app's tables now; the mail files once the erasure is committed (files are
    not rolled back with the database). How many rows changed."""
    addresses, strings = list(personal.addresses), personal.strings
    transaction.on_commit(lambda: mail_files.mail_files_erase(addresses=addresses, strings=strings))
    return tables_sweep(app_label="notifications", personal=personal)
