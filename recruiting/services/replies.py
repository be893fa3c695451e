"""What the candidate says to us: a reply to our email or text message, or a request for feedback from the status page.

Either is an inbound contact on the application's timeline. It never resets the keep-in-the-loop clock
(the candidate told us; we told them nothing). Unless it is an automatic answer (an out-of-office, a
delivery report), the owner owes a reply: a "reply owed" prompt due within a business day, escalated
to the team lead like an overdue update, settled by a personal email or a logged call or email.
"""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from recruiting import calendar, events, policy, selectors
from recruiting.audit import audit_log_record
from recruiting.models import Application, AuditLog, ContactEvent, RecruiterPrompt
from recruiting.services.prompts import prompt_open

Reason = RecruiterPrompt.Reason
# A reply is owed within this many business days of the candidate's message.
REPLY_DUE_BUSINESS_DAYS = 1
# What the candidate answered, in the reply-owed prompt's words, by the channel the reply came by.
OUR_MESSAGE = {ContactEvent.Channel.EMAIL: "email", ContactEvent.Channel.SMS: "text message"}


def reply_due(received_at: datetime, holidays: frozenset[date] | None = None) -> datetime:
    """One business day after `received_at`, at the same time of day in the firm's zone (`holidays`: the
    firm's, when the caller has read them)."""
    tz = calendar.firm_time_zone()
    local = received_at.astimezone(tz)
    holidays = selectors.firm_holidays() if holidays is None else holidays
    day = policy.add_business_days(local.date(), REPLY_DUE_BUSINESS_DAYS, holidays)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)


def _escalation(due: datetime, holidays: frozenset[date]) -> datetime:
    """When the team lead hears of a reply still unanswered: the default escalate-after business days later
    (a reply may come on a closed application, which has no stage policy)."""
    return policy.escalation_due(
        prompt_due_at=due,
        policy=policy.SilencePolicy(max_silent_business_days=0),
        tz=calendar.firm_time_zone(),
        holidays=holidays,
    )


def _record(
    *, application: Application, channel: str, at: datetime, summary: str, action: str, owed: str, details: dict
) -> tuple[ContactEvent, RecruiterPrompt | None]:
    contact = ContactEvent.objects.create(
        application=application,
        channel=channel,
        direction=ContactEvent.Direction.INBOUND,
        by=None,
        at=at,
        summary=summary,
    )
    prompt = None
    if owed:
        holidays = selectors.firm_holidays()
        due = reply_due(at, holidays)
        prompt = prompt_open(
            application=application,
            reason=Reason.REPLY_OWED,
            detail=owed,
            due_at=due,
            escalate_at=_escalation(due, holidays),
        )
    audit_log_record(
        actor=None,
        action=action,
        obj=application,
        details={"contact": contact.pk, "prompt": prompt.pk if prompt else None, **details},
    )
    return contact, prompt


# No savepoint of its own: whatever fails here fails the caller's transaction (an inbound email's or text's
# one transaction), and nothing is caught in between.
@transaction.atomic(savepoint=False)
def reply_record(
    *,
    application: Application,
    at: datetime,
    summary: str,
    automatic: bool,
    from_candidate: bool,
    verified: bool = True,
    channel: str = ContactEvent.Channel.EMAIL,
) -> tuple[ContactEvent, RecruiterPrompt | None]:
    """An email (or, with `channel` sms, a text) that came back for this application: on the timeline, and
    owed a reply unless automatic or unverified (its sender not proven: the summary says so, and nobody is
    prompted by a forgery).

    A reply while a reply is already owed joins that prompt (one open per application and reason). A
    candidate who asked not to be contacted prompts nobody: the recruiter sees the reply and decides.
    """
    at = min(at, timezone.now())
    ours = OUR_MESSAGE.get(channel, OUR_MESSAGE[ContactEvent.Channel.EMAIL])
    if automatic or not verified:
        owed = ""
    elif application.candidate.do_not_contact:
        # On the timeline for the recruiter to read, but nobody is prompted to write to them
        # (docs/rules.md#candidate-wishes).
        owed = ""
    elif from_candidate:
        owed = f"The candidate replied to our {ours}. Please answer them."
    else:
        owed = f"Someone other than the candidate replied to our {ours} about this application. Please answer."
    contact, prompt = _record(
        application=application,
        channel=channel,
        at=at,
        summary=summary,
        action="reply.record",
        owed=owed,
        details={"automatic": automatic, "from_candidate": from_candidate, "verified": verified},
    )
    sender = "candidate" if from_candidate else "other"
    events.publish(
        events.ReplyReceived(contacts=[contact], sender=sender, automatic=automatic, verified=verified, by=None, at=at)
    )
    return contact, prompt


FEEDBACK_SUMMARY = "The candidate asked for feedback from their status page."
FEEDBACK_ACTION = "feedback.request"


def feedback_requested(*, application: Application) -> bool:
    return AuditLog.objects.filter(
        action=FEEDBACK_ACTION, object_type=Application._meta.label_lower, object_id=application.pk
    ).exists()


def feedback_request_record(*, application: Application) -> ContactEvent | None:
    """A candidate turned down late asks for feedback: an inbound contact and a reply owed, once per
    application (None when they had already asked). The caller checks that the rejection was a late one."""
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if feedback_requested(application=application):
            return None
        contact, _prompt = _record(
            application=application,
            channel=ContactEvent.Channel.OTHER,
            at=timezone.now(),
            summary=FEEDBACK_SUMMARY,
            action=FEEDBACK_ACTION,
            owed="The candidate asked for feedback on their application. Please give it personally.",
            details={},
        )
        return contact
