"""Recruiter prompts: someone at the firm owes a candidate something.

The only writer of RecruiterPrompt: prompts are opened, settled by contacts, snoozed, resolved and
reassigned here (the overdue scan, in scan.py, opens and escalates them in bulk).
"""

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, time

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Q
from django.db.models.sql import InsertQuery
from django.utils import timezone

from recruiting import calendar, events, policy
from recruiting.audit import audit_log_record, audit_log_record_each, audit_log_record_many
from recruiting.models import Application, ContactEvent, RecruiterPrompt, Stage
from recruiting.permissions import ensure_can_act
from recruiting.validators import validate_coming_date

User = AbstractBaseUser
Reason = RecruiterPrompt.Reason

# Reasons that any outbound contact with the candidate settles.
RESOLVED_BY_CONTACT = (Reason.OVERDUE, Reason.CANDIDATE_ASKED, Reason.SAFETY_NET)
# A bounced or failed email asks the recruiter to reach the candidate another way: a contact they
# log themselves (not another outbox message) is that other way.
RESOLVED_BY_PERSONAL_CONTACT = (Reason.DELIVERY_FAILED,)
# A reply owed is answered by a person: a contact they log, or their personal email through the outbox
# (an automated email that happens to go out meanwhile answers nothing).
RESOLVED_BY_ANSWER = (Reason.REPLY_OWED,)

# Prompts that lose their object when the application closes: no update is owed to a closed application,
# and the client's answer was about a step that is over. Feedback owed, a reply owed and a failed email
# stay: the candidate is still owed them.
SETTLED_BY_CLOSING = (Reason.OVERDUE, Reason.SAFETY_NET, Reason.CLIENT_SILENT, Reason.CLIENT_ANSWERED)

SETTLED_CLOSED = "No update owed any more: the application closed or the candidate asked not to be contacted."
SETTLED_ON_CLOSING = "Settled when the application closed."
SETTLED_CLOCK_MOVED = "No longer overdue: the next update is due later."


# Opened in the caller's transaction, or in one of its own: the prompt and its audit row go together.
@transaction.atomic(savepoint=False)
def prompt_open(
    *,
    application: Application,
    reason: str,
    detail: str = "",
    due_at: datetime | None = None,
    escalate_at: datetime | None = None,
    message=None,
) -> RecruiterPrompt:
    """Open a prompt for the application's owner, or return the one already open for that reason.

    `escalate_at`: when the team lead is told if nobody acts (feedback owed, a failed delivery)."""
    prompt = RecruiterPrompt(
        application=application,
        recruiter_id=application.owner_id,
        reason=reason,
        detail=detail[:300],
        due_at=due_at or timezone.now(),
        escalate_at=escalate_at,
        message=message,
    )
    if not _insert_unless_open(prompt):
        # Open already (or opened by another process since: the insert waited for its commit).
        return RecruiterPrompt.objects.get(application=application, reason=reason, resolved_at__isnull=True)
    audit_log_record(
        actor=None, action="prompt.open", obj=prompt, details={"application": application.pk, "reason": reason}
    )
    events.publish(events.PromptsOpened(prompt_ids=[prompt.pk], reason=reason, by=None, at=prompt.created_at))
    return prompt


# The columns of the partial unique index one_open_prompt_per_application_and_reason, its condition's, the key's.
_OPEN_KEY = ("application", "reason", "resolved_at", "id")


def _insert_unless_open(prompt: RecruiterPrompt) -> bool:
    """Insert `prompt` unless one is open for its application and reason (the partial unique index
    one_open_prompt_per_application_and_reason): one statement, no savepoint, safe against a process opening
    the same prompt at once. Sets its pk; False when nothing was inserted."""
    fields = [field for field in RecruiterPrompt._meta.concrete_fields if not field.primary_key]
    query = InsertQuery(RecruiterPrompt)
    query.insert_values(fields, [prompt])
    connection = connections[router.db_for_write(RecruiterPrompt)]
    sql, params = query.get_compiler(connection=connection).as_sql()[0]
    column = {name: connection.ops.quote_name(RecruiterPrompt._meta.get_field(name).column) for name in _OPEN_KEY}
    sql += (
        f" ON CONFLICT ({column['application']}, {column['reason']}) WHERE {column['resolved_at']} IS NULL"
        f" DO NOTHING RETURNING {column['id']}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    prompt.pk = row[0]
    prompt._state.adding, prompt._state.db = False, connection.alias
    return True


def prompts_resolve_on_contacts(*, contacts: Sequence[ContactEvent], personal_message_ids: Collection[int] = ()) -> int:
    """Outbound contacts settle what their candidates were owed (one contact, or a group logged together).

    Always the overdue and asked-for-update prompts; the feedback owed after a late rejection when the
    application is rejected (that contact is the feedback); a bounced-email prompt when the recruiter
    reached the candidate themselves rather than through another outbox message; a reply owed when the
    contact is a person's (logged, or a personal email: `personal_message_ids`). A prompt is settled by
    the first of the contacts with its application. A constant number of queries for the group.
    """
    settling: dict[int, ContactEvent] = {}
    for contact in contacts:
        settling.setdefault(contact.application_id, contact)
    if not settling:
        return 0
    applications_by_reasons: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for application_id, contact in settling.items():
        reasons = RESOLVED_BY_CONTACT
        if contact.application.stage == Stage.REJECTED:
            reasons += (Reason.FEEDBACK_OWED,)
        if contact.message_id is None:
            reasons += RESOLVED_BY_PERSONAL_CONTACT
        if contact.message_id is None or contact.message_id in personal_message_ids:
            reasons += RESOLVED_BY_ANSWER
        applications_by_reasons[reasons].append(application_id)
    owed = Q()
    for reasons, application_ids in applications_by_reasons.items():
        owed |= Q(application_id__in=application_ids, reason__in=reasons)
    open_prompts = RecruiterPrompt.objects.filter(owed, resolved_at__isnull=True)
    rows = list(open_prompts.select_for_update().values_list("pk", "application_id"))
    if not rows:
        return 0
    # One update and one audit insert per way of settling (when, how, who): one for a group of emails.
    settled_by: dict[tuple, list[tuple[int, ContactEvent]]] = defaultdict(list)
    for pk, application_id in rows:
        contact = settling[application_id]
        settled_by[(contact.at, f"{contact.get_channel_display()} to the candidate", contact.by_id)].append(
            (pk, contact)
        )
    for (at, how, _by), settled in settled_by.items():
        RecruiterPrompt.objects.filter(pk__in=[pk for pk, _contact in settled]).update(resolved_at=at, resolution=how)
        audit_log_record_each(
            actor=settled[0][1].by,
            action="prompt.resolve",
            model=RecruiterPrompt,
            entries=[(pk, {"application": contact.application_id, "contact": contact.pk}) for pk, contact in settled],
        )
    return len(rows)


def prompts_settle_on_closing(*, application_ids: list[int], by: User | None, now: datetime) -> int:
    """Settle the open prompts that a closed application no longer needs (SETTLED_BY_CLOSING), audited:
    a constant number of queries whatever the number of applications closed together."""
    ids = list(
        RecruiterPrompt.objects.filter(
            application_id__in=application_ids, reason__in=SETTLED_BY_CLOSING, resolved_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if not ids:
        return 0
    RecruiterPrompt.objects.filter(pk__in=ids).update(resolved_at=now, resolution=SETTLED_ON_CLOSING)
    audit_log_record_many(
        actor=by,
        action="prompt.settle",
        model=RecruiterPrompt,
        object_ids=ids,
        details={"resolution": SETTLED_ON_CLOSING},
    )
    return len(ids)


def prompts_reassign(*, application: Application, to_user) -> int:
    """Open prompts follow the application to its new owner."""
    return RecruiterPrompt.objects.filter(application=application, resolved_at__isnull=True).update(recruiter=to_user)


def prompts_open_many(
    *,
    applications: Iterable[Application],
    reason: str,
    detail: str = "",
    due_at: datetime | None = None,
    escalate_at: dict[int, datetime] | None = None,
) -> list[RecruiterPrompt]:
    """prompt_open for a batch of applications, in a constant number of queries; returns the prompts opened.

    An application that already has an open prompt for the reason keeps it. The insert skips what the
    partial unique index refuses, so a prompt opened meanwhile by another process stands and is not
    opened twice. `escalate_at` gives, per application id, when its team lead is told.
    """
    applications = list({application.pk: application for application in applications}.values())
    if not applications:
        return []
    already = set(
        RecruiterPrompt.objects.filter(
            application__in=[application.pk for application in applications], reason=reason, resolved_at__isnull=True
        ).values_list("application_id", flat=True)
    )
    wanted = [application for application in applications if application.pk not in already]
    if not wanted:
        return []
    due_at = due_at or timezone.now()
    RecruiterPrompt.objects.bulk_create(
        [
            RecruiterPrompt(
                application=application,
                recruiter_id=application.owner_id,
                reason=reason,
                detail=detail[:300],
                due_at=due_at,
                escalate_at=(escalate_at or {}).get(application.pk),
            )
            for application in wanted
        ],
        ignore_conflicts=True,
    )
    opened = list(
        RecruiterPrompt.objects.filter(
            application__in=[application.pk for application in wanted], reason=reason, resolved_at__isnull=True
        ).order_by("pk")
    )
    audit_log_record_each(
        actor=None,
        action="prompt.open",
        model=RecruiterPrompt,
        entries=[(prompt.pk, {"application": prompt.application_id, "reason": reason}) for prompt in opened],
    )
    if opened:
        events.publish(
            events.PromptsOpened(prompt_ids=[prompt.pk for prompt in opened], reason=reason, by=None, at=timezone.now())
        )
    return opened


def _snooze_ceiling(application: Application) -> datetime:
    """The safety net's step while the application has a schedule: a snooze never hides the prompt past
    the moment the system acts itself; else two weeks of silence."""
    if application.safety_net_at is not None:
        return application.safety_net_at
    return (application.last_informed_at or application.created_at) + policy.SILENCE_CEILING


@transaction.atomic
def prompt_snooze(*, prompt: RecruiterPrompt, until: datetime | date, reason: str, by: User | None) -> RecruiterPrompt:
    """Put a prompt aside until a date, with a reason; never past two weeks of silence (docs/rules.md#silence-cap).

    A date means the start of that day in the firm's time zone. While snoozed the prompt is neither
    listed as overdue nor escalated; escalation counts again from the end of the snooze.
    """
    prompt = RecruiterPrompt.objects.select_for_update().select_related("application").get(pk=prompt.pk)
    ensure_can_act(by, prompt.recruiter_id)
    if prompt.resolved_at is not None:
        raise ValidationError("This prompt is already resolved.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why this can wait."})
    if until is None:
        raise ValidationError({"until": "Choose the date this can wait until."})
    day = timezone.localdate(until, timezone=calendar.firm_time_zone()) if isinstance(until, datetime) else until
    try:
        validate_coming_date(day)
    except ValidationError as error:
        raise ValidationError({"until": error.messages}) from error
    if not isinstance(until, datetime):
        until = datetime.combine(until, time.min, tzinfo=calendar.firm_time_zone())
    now = timezone.now()
    if until <= now:
        raise ValidationError({"until": "Choose a date in the future."})
    ceiling = _snooze_ceiling(prompt.application)
    if until > ceiling:
        if ceiling <= now:
            message = "The candidate has waited too long for news already: this cannot wait any longer."
        else:
            message = (
                "Two weeks without news is the limit for any candidate, and the safety net steps in before: "
                f"this can wait until {calendar.moment_words(ceiling, tz=calendar.firm_time_zone())} at the latest."
            )
        raise ValidationError({"until": message})
    prompt.snoozed_until = until
    prompt.snooze_reason = reason[:300]
    prompt.save(update_fields=["snoozed_until", "snooze_reason"])
    audit_log_record(
        actor=by,
        action="prompt.snooze",
        obj=prompt,
        details={"application": prompt.application_id, "until": until.isoformat(), "reason": prompt.snooze_reason},
    )
    return prompt


@transaction.atomic
def prompt_resolve(*, prompt: RecruiterPrompt, by: User | None, resolution: str) -> RecruiterPrompt:
    """Close a prompt by hand, saying how it was dealt with. Resolving a resolved prompt changes nothing.

    An overdue prompt cannot be waved away while the update is still overdue: it closes by itself when
    the candidate is told something (a logged call or email, or a sent check-in).
    """
    prompt = RecruiterPrompt.objects.select_for_update().select_related("application").get(pk=prompt.pk)
    ensure_can_act(by, prompt.recruiter_id)
    if prompt.resolved_at is not None:
        return prompt
    resolution = resolution.strip()
    if not resolution:
        raise ValidationError({"resolution": "Say how this was dealt with."})
    now = timezone.now()
    due = prompt.application.next_update_due
    if prompt.reason == Reason.OVERDUE and due is not None and due <= now:
        raise ValidationError(
            "The candidate is still owed an update. Log the call or email, or send a check-in, "
            "and this prompt closes by itself."
        )
    if prompt.reason == Reason.SAFETY_NET and due is not None:
        raise ValidationError(
            "The candidate has had no news for nearly two weeks. Call them or write to them yourself, "
            "log it, and this prompt closes by itself."
        )
    prompt.resolved_at = now
    prompt.resolution = resolution[:300]
    prompt.save(update_fields=["resolved_at", "resolution"])
    audit_log_record(
        actor=by,
        action="prompt.resolve",
        obj=prompt,
        details={"application": prompt.application_id, "resolution": prompt.resolution},
    )
    return prompt


def prompts_attach_message(*, application: Application, message_id: int) -> int:
    """Note on the application's open overdue and asked-for prompts the message queued to settle them
    (a check-in): the recruiter sees that news is on its way. The prompts close when it is sent."""
    return RecruiterPrompt.objects.filter(
        application=application, reason__in=RESOLVED_BY_CONTACT, resolved_at__isnull=True
    ).update(message_id=message_id)


def prompts_resolve_for_messages(*, message_ids: Iterable[int], reasons: Sequence[str], resolution: str) -> int:
    """Close the open prompts about these messages for these reasons (a failed message sent again, an
    unknown outcome that turned out sent)."""
    return RecruiterPrompt.objects.filter(
        message_id__in=list(message_ids), reason__in=reasons, resolved_at__isnull=True
    ).update(resolved_at=timezone.now(), resolution=resolution[:300])


def prompts_erase(*, application_ids: list[int], reason: str) -> None:
    """A candidate's data erased: their open prompts are resolved and every prompt's free text emptied."""
    prompts = RecruiterPrompt.objects.filter(application_id__in=application_ids)
    prompts.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolution=reason[:300])
    prompts.update(detail="", snooze_reason="")


def prompts_fold(*, duplicate_id: int, keeper_id: int, resolution: str) -> int:
    """Two applications joined into one (a merge): the other's open prompts are settled (the kept one has
    its own clock and prompts), and all its prompts move, history kept. Returns how many moved."""
    RecruiterPrompt.objects.filter(application_id=duplicate_id, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution=resolution
    )
    return RecruiterPrompt.objects.filter(application_id=duplicate_id).update(application_id=keeper_id)


def prompts_unname(*, application_ids: Iterable[int], name: str, replacement: str) -> int:
    """A person's erasure: the prompts of these applications no longer name them (the name as a whole
    word, any case). By relation, so that even a one-word name is safe to replace. Returns how many."""
    if not name.strip():
        return 0
    pattern = re.compile(rf"(?<!\w){re.escape(name.strip())}(?!\w)", re.IGNORECASE)
    changed = []
    for prompt in RecruiterPrompt.objects.filter(application_id__in=application_ids, detail__icontains=name.strip()):
        detail = pattern.sub(replacement, prompt.detail)
        if detail != prompt.detail:
            prompt.detail = detail
            changed.append(prompt)
    RecruiterPrompt.objects.bulk_update(changed, ["detail"])
    return len(changed)
