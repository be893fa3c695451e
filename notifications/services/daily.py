"""At most one automated email per candidate per day (docs/rules.md#candidate-wishes), the candidate's local day being
the window.

A worker claims a candidate's due automated messages together (never one still in its hold), under a
transaction-scoped advisory lock per candidate, and sends them as one email: the first is its lead, the others are
`combined_into` it. A candidate already written to today gets the rest at the opening of their next business day;
a message with no send window is owed now. Personal emails and the status-page link are not automated. Why and how:
"One automated email per candidate per day" in docs/architecture.md.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from notifications import rendering
from notifications.models import MessageTemplate, OutboundMessage
from notifications.services.outbox import ON_REQUEST, WAITING, Status, moment_words, send_time
from recruiting import calendar
from recruiting.audit import audit_log_record_each

Code = MessageTemplate.Code
# The first key of the advisory lock that serialises claims of one candidate's messages.
_CANDIDATE_LOCK_SPACE = 0x1B0C
CLAIM_FIELDS = ("pk", "send_after", "send_window_tz", "candidate_id", "template_code", "must_send_by")


def is_automated(template_code: str) -> bool:
    return template_code not in ON_REQUEST and template_code != Code.DIGEST


def _candidates_lock(candidate_ids: set[int]) -> None:
    """Serialise claims of these candidates' messages: an advisory lock per candidate on PostgreSQL, taken in
    one order so two workers never wait on each other. Nothing on SQLite, which lets one writer at a time
    hold the database (the embedded mode's transactions begin IMMEDIATE), so no other claim can interleave."""
    if not candidate_ids or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, ids.id) FROM (SELECT unnest(%s::int[]) AS id ORDER BY 1) AS ids",
            [_CANDIDATE_LOCK_SPACE, sorted(candidate_ids)],
        )


def companions_claim(rows: list[tuple], *, now: datetime) -> list[tuple]:
    """Inside the claim's transaction: lock the candidates of the automated rows at hand, and return their
    other due automated rows (locked too, skipping any another worker holds), as claim reads its rows."""
    candidate_ids = {row[3] for row in rows if row[3] is not None and is_automated(row[4])}
    if not candidate_ids:
        return []
    _candidates_lock(candidate_ids)
    return list(
        OutboundMessage.objects.select_for_update(skip_locked=True)
        .filter(candidate_id__in=candidate_ids, status__in=WAITING, send_after__lte=now)
        .exclude(template_code__in=(*ON_REQUEST, Code.DIGEST))
        .exclude(pk__in=[row[0] for row in rows])
        .order_by("send_after", "id")
        .values_list(*CLAIM_FIELDS)
    )


def _local_day(moment: datetime, zone_name: str):
    return timezone.localtime(moment, calendar.zone(zone_name)).date()


def candidates_told_today(candidate_ids: set[int], *, now: datetime, claiming: list[int]) -> dict[int, str]:
    """The candidates among these who already had an automated email in their local day (or have one on
    the wire): candidate id -> their time zone. One query."""
    if not candidate_ids:
        return {}
    recent = (
        OutboundMessage.objects.filter(candidate_id__in=candidate_ids)
        .exclude(template_code__in=(*ON_REQUEST, Code.DIGEST))
        .exclude(pk__in=claiming)
        .filter(
            Q(status=Status.SENDING)
            | Q(status__in=(Status.SENT, Status.UNKNOWN), handover_at__gte=now - timedelta(hours=36))
            | Q(status=Status.SENT, sent_at__gte=now - timedelta(hours=36))
        )
        .values_list("candidate_id", "candidate__time_zone", "status", "sent_at", "handover_at")
    )
    told = {}
    for candidate_id, zone_name, status, sent_at, handover_at in recent:
        moment = sent_at or handover_at
        if status == Status.SENDING or (
            moment is not None and _local_day(moment, zone_name) == _local_day(now, zone_name)
        ):
            told[candidate_id] = zone_name
    return told


def next_day_opening(now: datetime, zone_name: str, window_tz: str, holidays: frozenset) -> datetime:
    """The first moment of the candidate's next local day, moved into their business hours."""
    zone = calendar.zone(zone_name)
    tomorrow = _local_day(now, zone_name) + timedelta(days=1)
    return send_time(datetime.combine(tomorrow, time.min, tzinfo=zone), window_tz, holidays)


def rows_hold_to_next_day(rows: list[tuple], told: dict[int, str], *, now: datetime, holidays: frozenset) -> list[int]:
    """Move the rows of candidates told today to their next day; returns the ids moved. A row without a
    send window is owed now and stays. One update per candidate moved, one audit insert."""
    moved: dict[datetime, list[int]] = defaultdict(list)
    notes: dict[datetime, str] = {}
    for pk, _send_after, window_tz, candidate_id, template_code, must_send_by in rows:
        if candidate_id not in told or not window_tz or not is_automated(template_code):
            continue
        when = next_day_opening(now, told[candidate_id], window_tz, holidays)
        if must_send_by is not None and when > must_send_by:
            # A safety net cannot wait for tomorrow: the ceiling of two weeks comes first.
            continue
        moved[when].append(pk)
        notes[when] = (
            "Held to the candidate's next day: they already had an automated email today (one a day), "
            f"so it goes {moment_words(when)}, with any other news for them."
        )
    for when, ids in moved.items():
        OutboundMessage.objects.filter(pk__in=ids).update(send_after=when, status_reason=notes[when][:300])
    audit_log_record_each(
        actor=None,
        action="message.reschedule",
        model=OutboundMessage,
        entries=[(pk, {"reason": notes[when]}) for when, ids in moved.items() for pk in ids],
    )
    return [pk for ids in moved.values() for pk in ids]


def group_by_candidate(messages: list[OutboundMessage]) -> list[tuple[OutboundMessage, list[OutboundMessage]]]:
    """The emails (or the texts) of a batch, in order: (lead, members). A candidate's automated messages
    share one email (one text), led by the first of them; every other message goes on its own."""
    emails: list[tuple[OutboundMessage, list[OutboundMessage]]] = []
    lead_of: dict[tuple[int, str, str], int] = {}
    for message in messages:
        key = (message.candidate_id, message.channel, message.to_address.lower())
        if message.candidate_id is None or not is_automated(message.template_code):
            emails.append((message, []))
        elif key in lead_of:
            emails[lead_of[key]][1].append(message)
        else:
            lead_of[key] = len(emails)
            emails.append((message, []))
    return emails


def members_mark(emails: list[tuple[OutboundMessage, list[OutboundMessage]]]) -> None:
    """Write down which messages go inside which lead's email, and say so on each, in one statement."""
    marked = []
    for lead, group in emails:
        if not group:
            continue
        what = "text" if lead.channel == OutboundMessage.Channel.SMS else "email"
        note = f"Sent in one {what} with {len(group)} other message(s) to this candidate (one automated message a day)."
        lead.status_reason = note
        marked.append(lead)
        for member in group:
            member.combined_into, member.status_reason = lead, note
            marked.append(member)
    if marked:
        OutboundMessage.objects.bulk_update(marked, ["combined_into", "status_reason"])


def _without_greeting_and_footer(text: str) -> tuple[str, str]:
    """A message's news (its text without the opening greeting and the footer), and its footer."""
    body, _separator, footer = text.partition(f"\n{rendering.SIGNATURE_SEPARATOR}\n")
    paragraphs = body.strip().split("\n\n")
    first = paragraphs[0].strip()
    if "\n" not in first and first.endswith(",") and first.split(" ", 1)[0] in ("Hello", "Hi", "Dear"):
        paragraphs = paragraphs[1:]
    return "\n\n".join(paragraphs).strip(), footer.strip()


def combined_parts(lead: OutboundMessage, members: list[OutboundMessage]) -> rendering.RenderedMessage:
    """One email with the news of each message: one greeting, each message under its subject, one footer."""
    group = [lead, *members]
    first_name = rendering.one_line(lead.candidate.first_name) if lead.candidate is not None else ""
    sections, footer = [], ""
    for message in group:
        news, message_footer = _without_greeting_and_footer(message.body_text)
        footer = footer or message_footer
        sections.append(f"*{rendering.one_line(message.subject)}*\n\n{news}")
    greeting = f"Hello {first_name}," if first_name else "Hello,"
    opening = f"We have news about {len(group)} of your applications with us, together in this one email."
    text = "\n\n".join([greeting, opening, *sections]) + "\n"
    if footer:
        text += f"\n{rendering.SIGNATURE_SEPARATOR}\n{footer}\n"
    subject = f"News about {len(group)} of your applications"
    return rendering.RenderedMessage(
        subject=subject, body_text=text, body_html=rendering.text_to_html(text, title=subject)
    )
