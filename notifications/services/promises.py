"""A next-step date given, changed or withdrawn mid-stage ("the client will decide by Friday"), and the
candidate optionally told through the outbox (the `promise` email: "we expect news by ...")."""

import uuid
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from notifications.models import MessageTemplate, OutboundMessage
from notifications.services import freshness
from notifications.services.outbox import WAITING, MessageDraft, messages_cancel_waiting, messages_create
from recruiting.models import Application
from recruiting.services import application_promise

User = AbstractBaseUser
REPLACED_REASON = "Cancelled: a newer next-step date replaced it."


@transaction.atomic
def application_promise_change(
    *,
    application: Application,
    next_step_date: date | None,
    by: User | None,
    note: str = "",
    tell_candidate: bool = False,
    idempotency_key: str | None = None,
) -> OutboundMessage | None:
    """Set, change or clear (None) the promised next-step date, with a note; audited and the clock
    recomputed by the pipeline. With `tell_candidate`, the `promise` email is queued (held, business
    hours, rendered again when it goes) and any earlier one still waiting is cancelled: the candidate
    reads only the latest date. Give `idempotency_key` (from the form) so a double submit queues one."""
    if idempotency_key and (done := OutboundMessage.objects.filter(idempotency_key=idempotency_key).first()):
        return done  # the same form sent twice: the date is set and its email queued already
    application_promise(application=application, next_step_date=next_step_date, by=by, note=note.strip())
    if not tell_candidate:
        return None
    application = Application.objects.select_related("candidate", "job__client", "owner__profile").get(
        pk=application.pk
    )
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
