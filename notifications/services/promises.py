"""The candidate told of a next-step date promised mid-stage ("the client will decide by Friday"): the
`promise` email ("we expect news by ...") queued through the outbox.

The pipeline's application_promise is the one way to promise a date; it publishes DatePromised, and
date_promised_notify (subscribed in inloop/subscriptions.py) writes the email when the candidate is to
be told.
"""

import uuid
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from notifications.models import MessageTemplate, OutboundMessage
from notifications.services import freshness
from notifications.services.channels import text_key
from notifications.services.outbox import WAITING, MessageDraft, messages_cancel_waiting, messages_create
from recruiting.models import Application

User = AbstractBaseUser
REPLACED_REASON = "Cancelled: a newer next-step date replaced it."


def date_promised_notify(
    *,
    application: Application,
    next_step_date: date | None,
    note: str,
    tell_candidate: bool,
    idempotency_key: str | None,
    by: User | None,
    at: datetime,
) -> OutboundMessage | None:
    """When the candidate is to be told, queue the `promise` email (held, business hours, rendered again
    when it goes) and cancel any earlier one still waiting: the candidate reads only the latest date.
    Inside the pipeline's transaction; the application comes loaded with its candidate, job, client and
    owner's profile."""
    if not tell_candidate:
        return None
    if idempotency_key is not None:
        # The same promise told twice (a form sent again, two posts at once): what it queued stands; the
        # cancellation below must not take it for an earlier one.
        queued = promise_message(idempotency_key=idempotency_key)
        if queued is not None:
            return queued
    earlier = OutboundMessage.objects.select_for_update().filter(
        application=application, template_code=MessageTemplate.Code.PROMISE, status__in=WAITING
    )
    messages_cancel_waiting(
        cancels=[(pk, REPLACED_REASON, {"application": application.pk}) for pk in earlier.values_list("pk", flat=True)],
        by=by,
    )
    candidate = application.candidate
    draft = MessageDraft(
        idempotency_key=idempotency_key or f"promise:{application.pk}:{uuid.uuid4().hex}",
        template_code=MessageTemplate.Code.PROMISE,
        to_address=candidate.email,
        fields=freshness.merge_fields_as_sent(application=application),
        candidate=candidate,
        application=application,
        recipient_user=None,
        stage_change=None,
        hold_minutes=settings.INLOOP_HOLD_MINUTES,
        window_tz=candidate.time_zone,
    )
    return messages_create(drafts=[draft], by=by)[0]


def promise_message(*, idempotency_key: str) -> OutboundMessage | None:
    """The message a promise made with `idempotency_key` queued (its email, else its text), if it told the
    candidate."""
    keys = [idempotency_key, text_key(idempotency_key)]
    return OutboundMessage.objects.filter(idempotency_key__in=keys).order_by("pk").first()
