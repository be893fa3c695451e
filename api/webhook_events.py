"""The webhook events that report what the other apps publish: messages sent, bounced or complained about,
a candidate's wishes about contact, and the pipeline's replies, prompts, safety net and client answers.

Each function here is a subscriber listed in inloop/subscriptions.py: it runs inside the publisher's
transaction and writes its events through webhooks.events_record, so the webhook commits with the fact it
reports. Each asks first whether anybody listens (one query) and builds no payload when nobody does.
Payloads carry ids, Inloop's and the ATS's, never a message's body or an address (personal data stays in
the workspace).
"""

from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from api.webhooks import events_record, subscriptions_listening
from candidates.models import Candidate
from notifications.models import OutboundMessage
from recruiting.models import Application

# anymail's event type -> the webhook's (a provider's refusal is a bounce to the ATS: the address is bad).
UNDELIVERABLE_TYPES = {"bounced": "message.bounced", "rejected": "message.bounced", "complained": "message.complained"}


def _listened(*event_types: str):
    """The active subscriptions when one of them listens to one of `event_types`, else None."""
    listening = subscriptions_listening()
    if any(kind in subscription.event_types for subscription in listening for kind in event_types):
        return listening
    return None


def _application_external_ids(application_ids) -> dict[int, str | None]:
    ids = {pk for pk in application_ids if pk is not None}
    if not ids:
        return {}
    return dict(Application.objects.filter(pk__in=ids).values_list("pk", "external_id"))


def _candidate_external_ids(candidate_ids) -> dict[int, str | None]:
    ids = {pk for pk in candidate_ids if pk is not None}
    if not ids:
        return {}
    return dict(Candidate.objects.filter(pk__in=ids).values_list("pk", "external_id"))


def messages_sent_record(*, messages: Sequence[OutboundMessage], at: datetime) -> None:
    """message.sent for each message to a candidate the mail server accepted (digests to recruiters are not
    the ATS's business)."""
    to_candidates = [message for message in messages if message.candidate_id is not None]
    if not to_candidates or (listening := _listened("message.sent")) is None:
        return
    applications = _application_external_ids(message.application_id for message in to_candidates)
    candidates = _candidate_external_ids(message.candidate_id for message in to_candidates)
    events_record(
        events=[
            (
                "message.sent",
                {
                    "message_id": message.pk,
                    "template": message.template_code,
                    "application_id": message.application_id,
                    "application_external_id": applications.get(message.application_id),
                    "candidate_id": message.candidate_id,
                    "candidate_external_id": candidates.get(message.candidate_id),
                    "sent_at": at,
                },
            )
            for message in to_candidates
        ],
        listening=listening,
    )


def address_undeliverable_record(
    *, kind: str, message: OutboundMessage | None, candidates: Sequence[Candidate], at: datetime
) -> None:
    """message.bounced or message.complained, once per candidate using the address."""
    event_type = UNDELIVERABLE_TYPES.get(kind)
    if event_type is None or not candidates or (listening := _listened(event_type)) is None:
        return
    events_record(
        events=[
            (
                event_type,
                {
                    "reason": kind,
                    "message_id": message.pk if message is not None else None,
                    "application_id": message.application_id if message is not None else None,
                    "candidate_id": candidate.pk,
                    "candidate_external_id": candidate.external_id,
                    "at": at,
                },
            )
            for candidate in candidates
        ],
        listening=listening,
    )


def candidate_preferences_record(
    *,
    candidate: Candidate,
    by: AbstractBaseUser | None,
    source: str,
    automated_updates_paused: bool | None,
    do_not_contact: bool | None,
    reason: str,
    unsubscribed: bool,
) -> None:
    """candidate.unsubscribed (the one-click link) or candidate.paused (paused or resumed), and
    candidate.do_not_contact (asked, or taken back)."""
    common = {"candidate_id": candidate.pk, "candidate_external_id": candidate.external_id, "source": source}
    events = []
    if automated_updates_paused is not None:
        kind = "candidate.unsubscribed" if unsubscribed else "candidate.paused"
        events.append((kind, {**common, "automated_updates_paused": automated_updates_paused}))
    if do_not_contact is not None:
        events.append(("candidate.do_not_contact", {**common, "do_not_contact": do_not_contact, "reason": reason}))
    if events and (listening := _listened(*(kind for kind, _ in events))) is not None:
        events_record(events=events, listening=listening)
