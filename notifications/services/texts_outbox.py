"""Sending the outbox's texts, and what their delivery statuses mean for the candidate's clock.

A claimed text goes as an email does (notifications.services.sending): its hand-over mark is written
first (handover.mark_handover), then it is handed to the SMS sender (notifications.texts.outgoing), and
the sender's answer is recorded: accepted is sent (a contact over SMS on the timeline, the clock reset),
TRANSIENT is retried later, PERMANENT failed, and UNKNOWN (the request went out, no answer came) is
`unknown`: never sent again automatically, as for an email. A candidate's texts due together go as one.

Told means delivered (docs/rules.md#news-owed): a text the provider reports undelivered or failed
un-tells, as a bounce does an email, and its recruiter is prompted. A callback may come before the
text is recorded sent: the recording looks at the delivery's status once more.
"""

import logging

from django.db import transaction
from django.utils import timezone

from candidates import links
from candidates.phones import phone_mask
from notifications.models import MessageAttempt, MessageTemplate, OutboundMessage, TextDelivery
from notifications.services.handover import mark_handover
from notifications.services.recording import (
    SendError,
    SendReport,
    record_failure_combined,
    record_sent_many,
    report_count,
)
from notifications.texts.outgoing import text_hand_over
from notifications.texts.senders import NOT_DELIVERED, PERMANENT, TRANSIENT, TextSendError
from recruiting.models import RecruiterPrompt
from recruiting.services import contact_mark_undelivered, prompts

logger = logging.getLogger(__name__)
Outcome = MessageAttempt.Outcome
OUTCOMES = {PERMANENT: Outcome.PERMANENT, TRANSIENT: Outcome.TRANSIENT}


def combined_text(lead: OutboundMessage, members: list[OutboundMessage]) -> str:
    """One text for a candidate's messages due together (one message a day): what changed is on their
    status page, behind its short link."""
    first_name = " ".join(lead.candidate.first_name.split()) if lead.candidate is not None else ""
    greeting = f"Hi {first_name}," if first_name else "Hi,"
    link = links.status_short_url(lead.candidate) if lead.candidate is not None else ""
    return f"{greeting} we have news on {1 + len(members)} of your applications with us. All of it here: {link}"


def send_error_of(error: TextSendError) -> SendError:
    """What the sender's error class means for the outbox row (notifications.texts.senders)."""
    detail = f"Text not handed over ({error.kind}): {error.reason}"[:1000]
    return SendError(OUTCOMES.get(error.kind, Outcome.UNKNOWN), None, detail, False)


def texts_send(texts: list[tuple[OutboundMessage, list[OutboundMessage]]], *, worker: str, report: SendReport) -> None:
    """Send the claimed texts of a batch (lead, members), one after the other."""
    for lead, members in texts:
        if not mark_handover(lead.pk, worker):
            continue  # no longer this worker's: another holds it, nothing went
        body = combined_text(lead, members) if members else lead.body_text
        try:
            delivery = text_hand_over(
                to=lead.to_number,
                body=body,
                purpose=TextDelivery.Purpose.MESSAGE,
                candidate_id=lead.candidate_id,
                message_id=lead.pk,
            )
        except TextSendError as error:
            report_count(report, record_failure_combined(lead, members, worker=worker, error=send_error_of(error)))
            continue
        recorded = record_sent_many([*members, lead], worker=worker)
        report.sent += len(recorded)
        report.message_ids.extend(message.pk for message in recorded)
        # A callback that came before the text was recorded sent could not un-tell it: read it now.
        delivery.refresh_from_db(fields=["status", "error_code"])
        if delivery.status in NOT_DELIVERED:
            message_text_undelivered(delivery=delivery)


def _undelivered_detail(message: OutboundMessage, delivery: TextDelivery) -> str:
    code = f", error {delivery.error_code}" if delivery.error_code else ""
    return (
        f"{MessageTemplate.Code(message.template_code).label}: the text to {phone_mask(delivery.to_number)} "
        f"was not delivered ({delivery.status}{code}). Reach the candidate another way."
    )[:300]


@transaction.atomic
def message_text_undelivered(*, delivery: TextDelivery) -> None:
    """The text of an outbox message (and of those combined into it) did not arrive: it told nothing,
    and the recruiter is prompted (docs/rules.md#news-owed). Nothing when it was not recorded sent yet:
    its recording calls this again."""
    message = (
        OutboundMessage.objects.select_related("application").filter(pk=delivery.message_id, status="sent").first()
    )
    if message is None:
        return
    group = [message, *OutboundMessage.objects.filter(combined_into=message).select_related("application")]
    for each in group:
        contact_mark_undelivered(message_id=each.pk, event=delivery.status)
        if each.application is not None:
            prompts.prompt_open(
                application=each.application,
                reason=RecruiterPrompt.Reason.DELIVERY_FAILED,
                detail=_undelivered_detail(each, delivery),
                message=each,
                due_at=timezone.now(),
            )
    logger.info("Text %s of message #%s not delivered: untold.", delivery.provider_id, message.pk)
