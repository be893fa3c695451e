"""Dates that hold: a message says what is true at the moment it goes out, not when it was queued.

Just before the hand-over, a sending worker renders every unedited message again, from the template in force and
the application's facts read then, for the whole batch at once. A message a person edited is sent as written, unless
a date it states has passed by the time it is due: then it goes back to its recruiter (`returned`). What is decided
at that moment: "Dates that hold" in docs/architecture.md.
"""

import dataclasses
import re
from copy import copy
from datetime import date, datetime

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from notifications import rendering
from notifications.models import MessageStatus, MessageTemplate, OutboundMessage
from notifications.services import channels
from notifications.services.templates import template_render, templates_in_force
from recruiting import calendar, selectors
from recruiting.models import ACTIVE_STAGES, SUBMITTED_STAGES, Application, StageChange
from recruiting.services.clock import clock_set

Code = MessageTemplate.Code

# Written from an application's facts by a template of ours: rendered again at send time. A personal
# email is the recruiter's own words; a status link and a digest state no dates.
RENDERED_AT_SEND = frozenset(Code.values) - {Code.PERSONAL, Code.STATUS_LINK, Code.DIGEST}

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip
_STATED_DATE = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+(\d{1,2})\s+("
    + "|".join(_MONTHS)
    + r")\s+(\d{4})\b"
)


def stated_dates(text: str) -> list[date]:
    """The dates a text states the way our emails write them ("Friday 20 November 2026")."""
    found = []
    for day, month, year in _STATED_DATE.findall(text):
        try:
            found.append(date(int(year), _MONTHS.index(month) + 1, int(day)))
        except ValueError:
            continue
    return found


def _local_today(message: OutboundMessage, now: datetime) -> date:
    zone = message.candidate.time_zone if message.candidate is not None else ""
    return timezone.localtime(now, calendar.zone(zone) if zone else calendar.firm_time_zone()).date()


def stale_reason(message: OutboundMessage, now: datetime) -> str:
    """Why an edited message must not go as written (a date it promised has passed); empty when it may."""
    if message.edited_at is None:
        return ""
    edited_on = _local_today(message, message.edited_at)
    today = _local_today(message, now)
    passed = [day for day in stated_dates(message.subject + "\n" + message.body_text) if edited_on <= day < today]
    if not passed:
        return ""
    return f"Not sent: it says {rendering.format_day(min(passed))}, which has passed. Edit the date, or cancel it."


def _renderable(message: OutboundMessage) -> bool:
    return (
        message.edited_at is None
        and message.application_id is not None
        and message.candidate_id is not None
        and message.template_code in RENDERED_AT_SEND
    )


def messages_render_fresh(messages: list[OutboundMessage], *, now: datetime | None = None) -> list[OutboundMessage]:
    """Render the unedited messages of a batch again with the facts of this moment; returns those changed.

    The new subject and parts are set on the instances and written in one statement. The messages come
    with their candidate and their application's job, client, owner and owner's profile; a constant
    number of queries for the batch: the applications' facts, the templates, the policies and holidays.
    """
    now = now or timezone.now()
    changed = _texts_set(messages, moment_of=lambda _message: now)
    _messages_text_save(changed)
    return changed


def messages_preview_fresh(messages: list[OutboundMessage], *, now: datetime | None = None) -> None:
    """Set on each waiting, unedited message the text it will go with, so that what a person reads in the
    outbox is what goes: rendered as the sending worker will render it (messages_render_fresh), from the
    facts of now, at the moment it is due (now if that has passed). Nothing is written.

    The messages come loaded as for messages_render_fresh; a constant number of queries for the lot.
    """
    now = now or timezone.now()
    waiting = [message for message in messages if message.status in (MessageStatus.HELD, MessageStatus.QUEUED)]
    _texts_set(waiting, moment_of=lambda message: max(message.send_after, now))


def _texts_set(messages: list[OutboundMessage], *, moment_of) -> list[OutboundMessage]:
    """Render the renderable messages again, each as sent at `moment_of(message)`, and set the new texts
    on the instances; returns those whose text changed."""
    renderable = [message for message in messages if _renderable(message)]
    if not renderable:
        return []
    facts = _application_facts({message.application_id for message in renderable})
    templates = templates_in_force(message.template_code for message in renderable)
    policies, holidays = selectors.stage_policies(), selectors.firm_holidays()
    schedules: dict[tuple, tuple] = {}
    changed = []
    for message in renderable:
        application = message.application
        # The message's candidate is the application's: loaded once, with the message.
        application.candidate = message.candidate
        reached_client, others_alive = facts.get(application.pk, (False, 0))
        fields = rendering.application_merge_fields(
            application=_as_after_this_message(application, moment_of(message), policies, holidays, schedules),
            reached_client=reached_client,
            others_alive=others_alive,
        )
        parts = templates[message.template_code]
        rendered = template_render(code=message.template_code, fields=fields, parts=parts)
        if message.channel == channels.SMS:
            rendered = dataclasses.replace(
                rendered, body_text=channels.sms_text(parts, fields, message.candidate), body_html=""
            )
        if (rendered.subject, rendered.body_text, rendered.body_html) != (
            message.subject,
            message.body_text,
            message.body_html,
        ):
            message.subject, message.body_text, message.body_html = (
                rendered.subject,
                rendered.body_text,
                rendered.body_html,
            )
            changed.append(message)
    return changed


def _messages_text_save(messages: list[OutboundMessage]) -> None:
    """Write the messages' subjects and parts, each its own, in one statement.

    On PostgreSQL an UPDATE ... FROM unnest(): bulk_update's CASE per row and column, over three long
    texts a message, costs the sending worker more to build than the database takes to run it.
    """
    if not messages:
        return
    if connection.vendor != "postgresql":
        OutboundMessage.objects.bulk_update(messages, ["subject", "body_text", "body_html"])
        return
    table = connection.ops.quote_name(OutboundMessage._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET subject = fresh.subject, body_text = fresh.body_text, body_html = fresh.body_html "  # noqa: S608 (names from the model)
            "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::text[]) AS subject, unnest(%s::text[]) AS body_text, "
            f"unnest(%s::text[]) AS body_html) AS fresh WHERE {table}.id = fresh.id",
            [
                [message.pk for message in messages],
                [message.subject for message in messages],
                [message.body_text for message in messages],
                [message.body_html for message in messages],
            ],
        )


def _application_facts(application_ids: set[int]) -> dict[int, tuple[bool, int]]:
    """Per application, in one query: did it ever reach the client (docs/rules.md#confidential-client), and how many
    other live applications has its candidate (docs/rules.md#many-jobs)."""
    others = (
        Application.objects.filter(candidate_id=OuterRef("candidate_id"), stage__in=ACTIVE_STAGES)
        .exclude(pk=OuterRef("pk"))
        .order_by()
        .values("candidate_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Application.objects.filter(pk__in=application_ids)
        .annotate(
            reached=Exists(StageChange.objects.filter(application=OuterRef("pk"), to_stage__in=SUBMITTED_STAGES)),
            others=Coalesce(Subquery(others), 0),
        )
        .values_list("pk", "reached", "others")
    )
    return {pk: (reached, others) for pk, reached, others in rows}


def merge_fields_as_sent(application: Application, *, at: datetime | None = None) -> dict[str, str]:
    """The merge fields of one message about this application as it will read once sent (`at`, now by
    default): what a person queues (a check-in, a personal email, a new date) says, already in the outbox,
    what the candidate will read. The application comes with its candidate, job, client and owner."""
    at = at or timezone.now()
    return rendering.application_merge_fields(
        application=_as_after_this_message(application, at, selectors.stage_policies(), selectors.firm_holidays())
    )


def _as_after_this_message(
    application: Application, now: datetime, policies, holidays, schedules: dict[tuple, tuple] | None = None
) -> Application:
    """The application as the candidate will know it once this message has reached them: told now, so
    the clock starts again from now; a promised date already past is no promise any more.

    `schedules` keeps, for a batch, the schedule of each set of what it is computed from (the moment,
    the stage, the promise, the candidate's zone and whether they get automated email): the
    calendar walk is the costliest part of rendering a message again, and a batch repeats few sets.
    """
    after = copy(application)
    candidate = application.candidate
    today = timezone.localtime(now, calendar.zone(candidate.time_zone)).date()
    if after.promised_next_step_date is not None and after.promised_next_step_date < today:
        after.promised_next_step_date = None
    after.last_informed_at = now
    key = (
        now,
        after.stage,
        after.promised_next_step_date,
        candidate.time_zone,
        candidate.accepts_automated_messages,
        candidate.do_not_contact,
    )
    if schedules is None or key not in schedules:
        clock_set(after, policies=policies, holidays=holidays)
        if schedules is not None:
            schedules[key] = (after.next_update_due, after.escalate_at, after.safety_net_at)
    else:
        after.next_update_due, after.escalate_at, after.safety_net_at = schedules[key]
    return after
