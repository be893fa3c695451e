"""Delivery events from the mail provider: bounces, complaints, rejections and deliveries.

django-anymail verifies each webhook (basic auth, and the provider's signature where it has one) and
normalises it into a tracking event; `tracking_event_record` handles one such event. Each provider
event is kept once (TrackingEvent.event_id is unique), so a webhook delivered twice changes nothing
the second time. An event about one of our messages is applied only when its recipient is that
message's own (a provider mix-up, or a replayed event edited, must not suppress someone else), and an
event older than INLOOP_TRACKING_EVENT_MAX_AGE_DAYS is refused (and logged). A bounce, complaint or
rejection suppresses the address (one row per address), marks the candidates who use it, un-tells the
candidate when the message had been recorded as news (told means delivered: its contact is marked not
delivered and the clock goes back to the previous delivered contact), and prompts the owner of each of
their live applications to reach them another way, with a due time and an escalation like an overdue
update.
"""

import hashlib
import logging
from datetime import datetime, timedelta

from anymail.signals import AnymailTrackingEvent, EventType, tracking
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from candidates.models import Candidate
from candidates.services.people import candidates_email_status_set
from notifications import events as notification_events
from notifications.models import OutboundMessage, Suppression, TrackingEvent
from recruiting import calendar, events, policy, selectors
from recruiting.audit import audit_log_record
from recruiting.models import ACTIVE_STAGES, Application, RecruiterPrompt
from recruiting.services import application_clock_recompute, contact_mark_undelivered
from recruiting.services.prompts import prompt_open

logger = logging.getLogger(__name__)

# What each undeliverable event means for the address and for the candidates who use it.
SUPPRESSING_EVENTS: dict[str, tuple[str, str]] = {
    EventType.BOUNCED: (Suppression.Reason.BOUNCED, Candidate.EmailStatus.BOUNCED),
    EventType.COMPLAINED: (Suppression.Reason.COMPLAINED, Candidate.EmailStatus.COMPLAINED),
    EventType.REJECTED: (Suppression.Reason.REJECTED, Candidate.EmailStatus.BOUNCED),
}
RECORDED_EVENTS = frozenset({*SUPPRESSING_EVENTS, EventType.DELIVERED})
PROMPT_DETAIL = {
    EventType.BOUNCED: "Our email to {address} bounced. Please reach the candidate another way and check the address.",
    EventType.COMPLAINED: "The candidate marked our email to {address} as spam. Please reach them personally.",
    EventType.REJECTED: "The mail provider refused to send to {address}. Please check the address with the candidate.",
}


def tracking_event_key(*, esp_name: str, event_id: str | None, event_type: str, recipient: str, timestamp, message_id):
    """The provider's event id, or a stable digest of the event when the provider gives none."""
    if event_id:
        return f"{esp_name.lower()}:{event_id}"[:200]
    digest = hashlib.sha256(f"{event_type}|{recipient}|{timestamp}|{message_id}".encode()).hexdigest()
    return f"{esp_name.lower()}:derived:{digest}"


def _message_for(message_id: str | None) -> OutboundMessage | None:
    if not message_id:
        return None
    bare = message_id.strip().strip("<>")
    return OutboundMessage.objects.filter(Q(message_id=bare) | Q(message_id=f"<{bare}>")).first()


def _suppression_add(*, address: str, reason: str, detail: str) -> tuple[Suppression, bool]:
    existing = Suppression.objects.filter(email__iexact=address).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Suppression.objects.create(email=address, reason=reason, detail=detail[:300]), True
    except IntegrityError:
        return Suppression.objects.get(email__iexact=address), False


@transaction.atomic
def tracking_event_record(
    *,
    esp_name: str,
    event_type: str,
    recipient: str,
    event_id: str | None = None,
    message_id: str | None = None,
    timestamp: datetime | None = None,
    description: str = "",
) -> TrackingEvent | None:
    """Record one provider event and act on it. Returns None for an event already recorded or one we
    do not track (opens, clicks: we do not follow candidates around)."""
    if event_type not in RECORDED_EVENTS:
        return None
    recipient = (recipient or "").strip()
    if timestamp is not None and timestamp < timezone.now() - timedelta(
        days=settings.INLOOP_TRACKING_EVENT_MAX_AGE_DAYS
    ):
        # No address in the log: it is personal data.
        logger.warning("tracking event %s from %s refused: older than the window", event_type, esp_name)
        return None
    key = tracking_event_key(
        esp_name=esp_name,
        event_id=event_id,
        event_type=event_type,
        recipient=recipient,
        timestamp=timestamp,
        message_id=message_id,
    )
    message = _message_for(message_id)
    if message is not None and message.to_address.strip().lower() != recipient.lower():
        logger.warning(
            "tracking event %s from %s refused: not the recipient of message #%s", event_type, esp_name, message.pk
        )
        return None
    try:
        with transaction.atomic():
            event = TrackingEvent.objects.create(
                event_id=key,
                event_type=event_type,
                recipient=recipient,
                message=message,
                received_at=timezone.now(),
                description=(description or "")[:500],
            )
    except IntegrityError:
        return None
    if event_type in SUPPRESSING_EVENTS and recipient:
        _undeliverable(event=event, address=recipient, message=message)
    return event


def _undeliverable(*, event: TrackingEvent, address: str, message: OutboundMessage | None) -> None:
    reason, email_status = SUPPRESSING_EVENTS[event.event_type]
    suppression, created = _suppression_add(address=address, reason=reason, detail=event.description)
    candidates = candidates_email_status_set(address=address, email_status=email_status)
    untold = None
    if message is not None:
        untold = contact_mark_undelivered(message_id=message.pk, event=event.event_type)
    applications = list(
        Application.objects.filter(
            candidate__in=candidates, candidate__do_not_contact=False, stage__in=ACTIVE_STAGES
        ).select_related("candidate")
    )
    for application in applications:
        # No automated email reaches them now: their safety net becomes a call, which comes a day earlier.
        application_clock_recompute(application=application)
    detail = PROMPT_DETAIL[event.event_type].format(address=address)
    now = timezone.now()
    policies, holidays = selectors.stage_policies(), selectors.firm_holidays()
    prompted = [
        prompt_open(
            application=application,
            reason=RecruiterPrompt.Reason.DELIVERY_FAILED,
            detail=detail,
            message=message,
            due_at=now,
            escalate_at=_delivery_failed_escalate_at(application, now=now, policies=policies, holidays=holidays),
        ).pk
        for application in applications
    ]
    audit_log_record(
        actor=None,
        action=f"email.{event.event_type}",
        obj=event,
        details={
            "suppression": suppression.pk,
            "suppression_created": created,
            "candidates": [candidate.pk for candidate in candidates],
            "prompts": prompted,
            "untold_application": untold.pk if untold is not None else None,
        },
    )
    events.publish(
        notification_events.AddressUndeliverable(
            kind=event.event_type, message=message, candidates=candidates, at=event.received_at
        )
    )


def _delivery_failed_escalate_at(
    application: Application, *, now: datetime, policies: dict[str, policy.SilencePolicy], holidays: frozenset
) -> datetime:
    """A failed delivery is due at once and escalates like an overdue update: the stage's escalate-after
    business days later, or at the application's own escalation step if that comes first."""
    escalate_at = policy.escalation_due(
        prompt_due_at=now, policy=policies[application.stage], tz=calendar.firm_time_zone(), holidays=holidays
    )
    if application.escalate_at is not None:
        escalate_at = min(escalate_at, max(application.escalate_at, now))
    return escalate_at


def tracking_signal_connect() -> None:
    """Connect the receiver of anymail's tracking signal (from NotificationsConfig.ready)."""
    tracking.connect(tracking_event_received, dispatch_uid="inloop.tracking_event_record")


def tracking_event_received(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    """anymail's tracking signal, sent once per normalised event of a verified webhook."""
    recorded = tracking_event_record(
        esp_name=esp_name,
        event_type=event.event_type,
        recipient=event.recipient or "",
        event_id=event.event_id,
        message_id=event.message_id,
        timestamp=event.timestamp,
        description=event.description or event.mta_response or "",
    )
    # No address in the log: it is personal data.
    logger.info("tracking event %s from %s: %s", event.event_type, esp_name, "recorded" if recorded else "skipped")
