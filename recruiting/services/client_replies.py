"""A hiring manager's reply in words to a chase email (rule 10): on every application the chase named.

A manager who writes back instead of clicking has answered, though in words only the recruiter can read:
each application the chase asked about gets the words on its timeline (an inbound contact from the
client), the client's clock stops ("answered in words, awaiting review": no call prompt, no next chase),
any call prompt still open is settled, and the owner is prompted to review. The review settles it: the
recruiter moves the application on, or records the date the manager promised, which starts the clock
again. An automatic answer (an out-of-office), or a reply whose sender is not proven (unverified: it did
not come to the chase's signed reply address), is on the timeline and changes nothing else.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from recruiting import events
from recruiting.audit import audit_log_record
from recruiting.models import (
    ACTIVE_STAGES,
    Application,
    AuditLog,
    ClientChase,
    ContactEvent,
    HiringManager,
    RecruiterPrompt,
)
from recruiting.services.clients import SETTLED_CLIENT_ANSWERED, _prompts_settle_client
from recruiting.services.prompts import prompt_open

Reason = RecruiterPrompt.Reason
REPLACED = "A newer answer from the client replaced it."
REPLY_ACTION = "application.client_reply"


@dataclass(frozen=True)
class ClientReplyWords:
    """What the notifications layer read of the manager's email: never their address book, only this."""

    sender: str
    subject: str
    text: str
    automatic: bool
    attachments: int = 0
    # False when the sender is not proven (see notifications.services.inbound): shown so, and nothing stops.
    verified: bool = True


def _summary(words: ClientReplyWords, *, manager_name: str, manager_email: str) -> str:
    kind = "Automatic answer" if words.automatic else "Reply"
    kind = kind if words.verified else f"Unverified {kind.lower()}"
    sent_from = ""
    if words.sender and words.sender.lower() != manager_email.lower():
        # Someone holding the reply address (a colleague it was forwarded to) wrote, not the manager.
        sent_from = f", sent from {words.sender}"
    extra = f"\n\n({words.attachments} attachment(s) not kept.)" if words.attachments else ""
    header = f"{kind} by email from {manager_name} (hiring manager){sent_from}: {words.subject or '(no subject)'}"
    return f"{header}\n\n{words.text}{extra}"[:5000]


def _answered_in_words(application: Application, *, chase: ClientChase, now: datetime) -> RecruiterPrompt:
    """Stop the client's clock for the recruiter's review, and prompt them to read the words.

    Only the step the chase asked about stops: a reply to an older chase, after the application moved on
    and a new answer fell due, may be about the old step, so the new clock keeps running."""
    if application.client_answer_due is not None and application.client_answer_due == chase.due_at:
        application.client_answered_at = now
        application.client_chased_at = None
        application.client_answer_due = None
        application.save(update_fields=["client_answered_at", "client_chased_at", "client_answer_due"])
        _prompts_settle_client(application_ids=[application.pk], resolution=SETTLED_CLIENT_ANSWERED, now=now)
    RecruiterPrompt.objects.filter(
        application=application, reason=Reason.CLIENT_ANSWERED, resolved_at__isnull=True
    ).update(resolved_at=now, resolution=REPLACED)
    return prompt_open(
        application=application,
        reason=Reason.CLIENT_ANSWERED,
        detail=f"{chase.hiring_manager.name} replied to the feedback request in words: read it on the "
        "timeline, then move the application on or record the date they promised.",
        due_at=now,
    )


@transaction.atomic
def client_reply_record(*, chase_message_id: int, words: ClientReplyWords) -> list[ContactEvent]:
    """The manager's reply on each application the chase email named; empty when it named none we may
    keep words on (the manager's or every candidate's data erased)."""
    now = timezone.now()
    chases = {
        chase.application_id: chase
        for chase in ClientChase.objects.filter(message_id=chase_message_id, hiring_manager__erased_at__isnull=True)
        .select_related("hiring_manager")
        .order_by("application_id")
    }
    applications = (
        Application.objects.select_for_update(of=("self",))
        .filter(pk__in=chases, candidate__erased_at__isnull=True)
        .order_by("pk")
    )
    contacts: list[ContactEvent] = []
    for application in applications:
        manager = chases[application.pk].hiring_manager
        contact = ContactEvent.objects.create(
            application=application,
            channel=ContactEvent.Channel.EMAIL,
            direction=ContactEvent.Direction.INBOUND,
            by=None,
            at=now,
            summary=_summary(words, manager_name=manager.name, manager_email=manager.email),
        )
        prompt = None
        if words.verified and not words.automatic and application.stage in ACTIVE_STAGES:
            prompt = _answered_in_words(application, chase=chases[application.pk], now=now)
        audit_log_record(
            actor=None,
            action=REPLY_ACTION,
            obj=application,
            details={
                "contact": contact.pk,
                "hiring_manager": manager.pk,
                "automatic": words.automatic,
                "verified": words.verified,
                "prompt": prompt.pk if prompt else None,
            },
        )
        contacts.append(contact)
    if contacts:
        events.publish(
            events.ReplyReceived(
                contacts=contacts,
                sender="hiring_manager",
                automatic=words.automatic,
                verified=words.verified,
                by=None,
                at=now,
            )
        )
    return contacts


def client_replies_unname(*, hiring_manager: HiringManager) -> int:
    """A manager's erasure: their replies stay on the timelines, no longer saying who wrote them. Called by
    hiring_manager_erase in its transaction, before the name is blanked; returns the contacts changed."""
    contact_ids = AuditLog.objects.filter(action=REPLY_ACTION, details__hiring_manager=hiring_manager.pk).values_list(
        "details__contact", flat=True
    )
    # Replies recorded before the recipient was called a hiring manager everywhere say "(client)".
    named = [f" from {hiring_manager.name} (hiring manager)", f" from {hiring_manager.name} (client)"]
    changed = 0
    for contact in ContactEvent.objects.filter(pk__in=list(contact_ids)):
        for words in named:
            contact.summary = contact.summary.replace(words, " from a hiring manager whose details were erased", 1)
        contact.save(update_fields=["summary"])
        changed += 1
    return changed
