"""The webhook events that report what the other apps publish: messages sent, bounced or complained about,
a candidate's wishes about contact, and the pipeline's replies, prompts, safety net and client answers.

Each function here is a subscriber listed in inloop/subscriptions.py: it runs inside the publisher's
transaction and writes its events through webhooks.events_record, so the webhook commits with the fact it
reports. Each asks first whether anybody listens (one query) and builds no payload when nobody does.
Payloads carry ids, Inloop's and the ATS's, never a message's body or an address (personal data stays in
the workspace).
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from api.webhooks import events_record, subscriptions_listening
from candidates.models import Candidate
from notifications.models import OutboundMessage
from recruiting.models import Application, ClientAnswer, ContactEvent, RecruiterPrompt

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
    """message.sent for each message to a candidate the mail server or the text provider accepted, with its
    channel (digests to recruiters are not the ATS's business)."""
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
                    "channel": message.channel,
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


# The pipeline's events -------------------------------------------------------------------------------------


def _application_ids(application: Application) -> dict:
    return {
        "application_id": application.pk,
        "application_external_id": application.external_id,
        "candidate_id": application.candidate_id,
    }


def replies_received_record(
    *,
    contacts: Sequence[ContactEvent],
    sender: str,
    automatic: bool,
    verified: bool,
    by: AbstractBaseUser | None,
    at: datetime,
) -> None:
    """reply.received for each application the reply was about (the reply's text stays in the workspace)."""
    if not contacts or (listening := _listened("reply.received")) is None:
        return
    external_ids = _application_external_ids(contact.application_id for contact in contacts)
    common = {"sender": sender, "automatic": automatic, "verified": verified, "at": at}
    events_record(
        events=[
            (
                "reply.received",
                {
                    "contact_id": contact.pk,
                    "application_id": contact.application_id,
                    "application_external_id": external_ids.get(contact.application_id),
                    **common,
                },
            )
            for contact in contacts
        ],
        listening=listening,
    )


def client_answered_record(
    *, application: Application, answer: ClientAnswer, corrected: bool, by: AbstractBaseUser | None, at: datetime
) -> None:
    """client.answered: the hiring manager's answer from their page (or its correction)."""
    if (listening := _listened("client.answered")) is None:
        return
    payload = {
        **_application_ids(application),
        "hiring_manager_id": answer.hiring_manager_id,
        "answer": answer.kind,
        "stage": answer.stage,
        "next_step": answer.next_step,
        "next_step_date": answer.next_step_date,
        "reason": answer.reason,
        "corrected": corrected,
        "at": at,
    }
    events_record(events=[("client.answered", payload)], listening=listening)


def _prompts_events(event_type: str, prompt_ids, extra: Mapping[int, dict], listening) -> None:
    prompts = RecruiterPrompt.objects.filter(pk__in=list(prompt_ids)).select_related("application").order_by("pk")
    events_record(
        events=[
            (
                event_type,
                {
                    "prompt_id": prompt.pk,
                    "reason": prompt.reason,
                    **_application_ids(prompt.application),
                    "recruiter_id": prompt.recruiter_id,
                    "due_at": prompt.due_at,
                    **extra.get(prompt.pk, {}),
                },
            )
            for prompt in prompts
        ],
        listening=listening,
    )


def prompts_opened_record(*, prompt_ids: Sequence[int], reason: str, by: AbstractBaseUser | None, at: datetime) -> None:
    """prompt.opened for each prompt just opened (its detail may name an address: it stays in the workspace)."""
    if prompt_ids and (listening := _listened("prompt.opened")) is not None:
        _prompts_events("prompt.opened", prompt_ids, {}, listening)


def prompts_escalated_record(*, to_lead: Mapping[int, int], by: AbstractBaseUser | None, at: datetime) -> None:
    """prompt.escalated for each prompt whose team lead was told, naming the lead."""
    if to_lead and (listening := _listened("prompt.escalated")) is not None:
        extra = {pk: {"team_lead_id": lead_id, "escalated_at": at} for pk, lead_id in to_lead.items()}
        _prompts_events("prompt.escalated", to_lead, extra, listening)


def safety_nets_acted_record(
    *,
    message_owed: Sequence[Application],
    call_asked: Sequence[Application],
    by: AbstractBaseUser | None,
    at: datetime,
) -> None:
    """safety_net.acted per application: a message to the candidate written, or a person asked to call."""
    if not (message_owed or call_asked) or (listening := _listened("safety_net.acted")) is None:
        return
    acted = [(application, "message_owed") for application in message_owed] + [
        (application, "call_asked") for application in call_asked
    ]
    events_record(
        events=[
            ("safety_net.acted", {**_application_ids(application), "action": action, "at": at})
            for application, action in acted
        ],
        listening=listening,
    )
