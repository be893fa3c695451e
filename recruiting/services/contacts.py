"""Contacts with the candidate on an application's timeline. Telling them something resets the clock
and settles what they were owed; notes and inbound contacts do not."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from recruiting import selectors
from recruiting.audit import audit_log_record, audit_log_record_each
from recruiting.models import Application, ContactEvent
from recruiting.permissions import ensure_can_act_on_application
from recruiting.services import prompts
from recruiting.services.clock import application_clock_recompute, applications_clock_save, clock_set
from recruiting.validators import validate_coming_date

User = AbstractBaseUser


@transaction.atomic
def contact_log(
    *,
    application: Application,
    channel: str,
    direction: str,
    by: User | None,
    summary: str = "",
    at: datetime | None = None,
    next_step_date: date | None = None,
) -> ContactEvent:
    """Record a call, meeting, email or note. Telling the candidate something resets their clock.

    Telling also spends a promised next-step date, on, before or after that date
    (docs/rules.md#promised-date is met): the next update then follows the stage's limit from this contact,
    unless the recruiter gives a new date (`next_step_date`), which becomes the promise. Messages the outbox
    sent are recorded by contact_log_messages_sent, a group at a time.
    """
    at = _contact_moment(at)
    _promise_check(direction, next_step_date)
    application = (
        Application.objects.select_for_update(of=("self", "candidate"))
        .select_related("candidate", "job")
        .get(pk=application.pk)
    )
    ensure_can_act_on_application(by, application)
    if at < application.created_at:
        raise ValidationError({"at": "A contact cannot be older than the application it is about."})
    contact = ContactEvent(application=application, channel=channel, direction=direction, by=by, at=at, summary=summary)
    contact.full_clean(validate_unique=False)
    contact.save()
    if contact.informs_candidate:
        _application_told(application, contact, next_step_date)
    audit_log_record(
        actor=by,
        action="contact.log",
        obj=application,
        details={
            "contact": contact.pk,
            "channel": channel,
            "direction": direction,
            "next_step_date": str(next_step_date or ""),
        },
    )
    return contact


def _contact_moment(at: datetime | None) -> datetime:
    """When a contact happened: now unless given, never in the future, never without its offset."""
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        # A moment without its offset is no moment: which zone was meant cannot be guessed.
        raise ValidationError({"at": "Give the moment with its time zone offset, e.g. 2026-12-07T10:00:00Z."})
    if at > now:
        raise ValidationError({"at": "A contact cannot be logged in the future."})
    return at


def _promise_check(direction: str, next_step_date: date | None) -> None:
    if next_step_date is None:
        return
    if direction != ContactEvent.Direction.OUTBOUND:
        raise ValidationError({"next_step_date": "Only a date given to the candidate is a promise."})
    try:
        validate_coming_date(next_step_date, what="promised next-step date")
    except ValidationError as error:
        raise ValidationError({"next_step_date": error.messages}) from error


def _application_told(application: Application, contact: ContactEvent, next_step_date: date | None) -> None:
    """The candidate was told something: their clock restarts from it and the prompts it answers close."""
    newest = application.last_informed_at is None or contact.at > application.last_informed_at
    if newest:
        application.last_informed_at = contact.at
    # A contact logged late, older than the latest news, spends no promise made since; a date given in it
    # is still the promise.
    if newest or next_step_date is not None:
        application.promised_next_step_date = next_step_date
    application.save(update_fields=["last_informed_at", "promised_next_step_date"])
    application_clock_recompute(application=application)
    prompts.prompts_resolve_on_contacts(contacts=[contact])


class MessageSent(NamedTuple):
    """An outbox message that left for the candidate of an application, over `channel` (a
    ContactEvent.Channel)."""

    application_id: int
    outbound_message_id: int
    summary: str
    # A person's own message (not an automated one): it answers a reply owed.
    personal: bool = False
    channel: str = ContactEvent.Channel.EMAIL


@transaction.atomic
def contact_log_messages_sent(*, messages: Sequence[MessageSent], at: datetime) -> list[ContactEvent]:
    """What contact_log does for an outbound message, for a group of sent outbox messages at once.

    Each becomes a contact over its channel on its application's timeline; each application's last_informed_at
    and clock are reset (stage policies and holidays read once for the group, one update), the prompts
    the contact settles are resolved and everything is audited, in a constant number of queries. The
    outbox records its sent messages this way, a group at a time.
    """
    if not messages:
        return []
    applications = {
        application.pk: application
        for application in Application.objects.select_for_update(of=("self",))
        .select_related("candidate")
        .filter(pk__in={message.application_id for message in messages})
        .order_by("pk")
    }
    # Built from the rows just read and locked, not from input: no full_clean and its foreign-key reads.
    # An application deleted since its message left has no timeline to write on.
    messages = [message for message in messages if message.application_id in applications]
    contacts = ContactEvent.objects.bulk_create(
        ContactEvent(
            application=applications[message.application_id],
            channel=message.channel,
            direction=ContactEvent.Direction.OUTBOUND,
            by=None,
            at=at,
            summary=message.summary,
            message_id=message.outbound_message_id,
        )
        for message in messages
    )
    policies, holidays = selectors.stage_policies(), selectors.firm_holidays()
    for application in applications.values():
        if application.last_informed_at is None or at > application.last_informed_at:
            application.last_informed_at = at
        clock_set(application, policies=policies, holidays=holidays)
    applications_clock_save(list(applications.values()))
    prompts.prompts_resolve_on_contacts(
        contacts=contacts,
        personal_message_ids={message.outbound_message_id for message in messages if message.personal},
    )
    audit_log_record_each(
        actor=None,
        action="contact.log",
        model=Application,
        entries=[
            (contact.application_id, {"contact": contact.pk, "channel": contact.channel, "direction": "outbound"})
            for contact in contacts
        ],
    )
    return contacts


@transaction.atomic
def contact_mark_undelivered(*, message_id: int, event: str) -> Application | None:
    """The email of an outbox message bounced or was marked as spam after it was sent: it told nothing.

    Its contact stays on the timeline, marked not delivered; the application's last_informed_at goes
    back to the latest outbound contact still delivered (or none: the clock counts from the
    application's creation again) and its schedule is recomputed from there. Returns the application,
    or None when the message left no contact (never sent, or already marked). `event` (bounced,
    complained, rejected) is for the audit trail.
    """
    contact = (
        ContactEvent.objects.select_for_update()
        .filter(message_id=message_id, direction=ContactEvent.Direction.OUTBOUND, delivered=True)
        .first()
    )
    if contact is None:
        return None
    application = Application.objects.select_for_update().select_related("candidate").get(pk=contact.application_id)
    contact.delivered = False
    contact.save(update_fields=["delivered"])
    previous = application.last_informed_at
    application.last_informed_at = ContactEvent.objects.filter(
        application=application, direction=ContactEvent.Direction.OUTBOUND, delivered=True
    ).aggregate(latest=Max("at"))["latest"]
    application.save(update_fields=["last_informed_at"])
    application_clock_recompute(application=application)
    audit_log_record(
        actor=None,
        action="contact.undelivered",
        obj=application,
        details={
            "contact": contact.pk,
            "message": message_id,
            "event": event,
            "last_informed_was": previous.isoformat() if previous else "",
        },
    )
    return application
