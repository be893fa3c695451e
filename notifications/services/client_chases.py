"""The feedback request to a hiring manager (docs/rules.md#client-owes): one email per manager per day, for every
candidate whose answer they owe, held for the recruiter and sent in the manager's business hours.

The pipeline's chase (recruiting.services.clients.client_answers_chase) publishes the due applications as the
event recruiting.events.ClientAnswersDue; inloop/subscriptions.py subscribes client_chases_queue. A manager already
chased today (their day, in their zone) is left for tomorrow: the applications stay unchased and the next scan
picks them up. The managers are locked while their email is written, so two scans at once write one email each.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from notifications import rendering
from notifications.models import MessageTemplate, OutboundMessage
from notifications.services.outbox import MessageDraft, messages_create
from recruiting import calendar
from recruiting.client_links import client_answer_url
from recruiting.events import ClientChaseSent
from recruiting.models import Application, HiringManager


def client_chase_key(*, hiring_manager_id: int, local_day) -> str:
    return f"client_chase:{hiring_manager_id}:{local_day.isoformat()}"


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _paragraph(application: Application, manager: HiringManager) -> str:
    asked = timezone.localtime(application.client_asked_at, calendar.zone(manager.time_zone))
    url = client_answer_url(
        application_id=application.pk, hiring_manager_id=manager.pk, due_at=application.client_answer_due
    )
    since = calendar.day_words(asked.date())
    return f"{application.candidate.full_name}, {application.job.title} (with you since {since})\n{url}"


def client_chases_queue(*, applications: Sequence[Application], now: datetime) -> list[ClientChaseSent]:
    """Write today's feedback request to each reachable manager of these applications, once per manager."""
    owed: dict[int, list[Application]] = defaultdict(list)
    for application in applications:
        for manager in application.job.reachable_managers:
            owed[manager.pk].append(application)
    if not owed:
        return []
    drafts: list[MessageDraft] = []
    chased: list[tuple[int, list[Application]]] = []
    for manager, key in _managers_not_chased_today(owed, now=now):
        waiting = sorted(owed[manager.pk], key=lambda application: (application.client_asked_at, application.pk))
        drafts.append(_chase_draft(manager, key=key, waiting=waiting))
        chased.append((manager.pk, waiting))
    if not drafts:
        return []
    messages = messages_create(drafts=drafts, by=None)
    return [
        ClientChaseSent(application_id=application.pk, hiring_manager_id=pk, message_id=message.pk)
        for (pk, waiting), message in zip(chased, messages, strict=True)
        for application in waiting
    ]


def _managers_not_chased_today(owed: dict[int, list[Application]], *, now: datetime) -> list[tuple[HiringManager, str]]:
    """The managers owed an answer, locked, with today's key (their day, in their zone), leaving out those
    whose email today is already written."""
    managers = {
        manager.pk: manager
        for manager in HiringManager.objects.select_for_update()
        .filter(pk__in=owed)
        .select_related("client")
        .order_by("pk")
    }
    keys = {
        pk: client_chase_key(
            hiring_manager_id=pk, local_day=timezone.localtime(now, calendar.zone(manager.time_zone)).date()
        )
        for pk, manager in managers.items()
    }
    chased_today = set(
        OutboundMessage.objects.filter(idempotency_key__in=keys.values()).values_list("idempotency_key", flat=True)
    )
    return [(manager, keys[pk]) for pk, manager in managers.items() if keys[pk] not in chased_today]


def _chase_draft(manager: HiringManager, *, key: str, waiting: list[Application]) -> MessageDraft:
    """The manager's one email for the day, naming every candidate whose answer they owe."""
    recruiters = sorted({_person(application.owner) for application in waiting})
    return MessageDraft(
        idempotency_key=key,
        template_code=MessageTemplate.Code.CLIENT_CHASE,
        to_address=manager.email,
        fields={
            "manager_name": manager.name,
            "client_name": manager.client.name,
            "candidates_count": len(waiting),
            "several_candidates": "yes" if len(waiting) > 1 else "",
            "candidates_list": "\n\n".join(_paragraph(application, manager) for application in waiting),
            "recruiter_names": rendering.names_listed(recruiters),
        },
        candidate=None,
        application=None,
        recipient_user=None,
        stage_change=None,
        hold_minutes=settings.INLOOP_HOLD_MINUTES,
        window_tz=manager.time_zone,
    )
