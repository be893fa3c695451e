"""Recruiter prompts: someone at the firm owes a candidate something."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from recruiting.models import Application, ContactEvent

from ..models import RecruiterPrompt

# Reasons that any outbound contact with the candidate settles.
RESOLVED_BY_CONTACT = (RecruiterPrompt.Reason.OVERDUE, RecruiterPrompt.Reason.CANDIDATE_ASKED)


def prompt_open(
    *,
    application: Application,
    reason: str,
    detail: str = "",
    due_at: datetime | None = None,
    message=None,
) -> RecruiterPrompt:
    """Open a prompt for the application's owner, or return the one already open for that reason."""
    existing = RecruiterPrompt.objects.filter(application=application, reason=reason, resolved_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return RecruiterPrompt.objects.create(
                application=application,
                recruiter_id=application.owner_id,
                reason=reason,
                detail=detail[:300],
                due_at=due_at or timezone.now(),
                message=message,
            )
    except IntegrityError:
        # Another process opened it between our read and our write: the partial unique index held.
        return RecruiterPrompt.objects.get(application=application, reason=reason, resolved_at__isnull=True)


def prompts_resolve_on_contact(*, application: Application, contact: ContactEvent) -> int:
    """An outbound contact settles the application's overdue and asked-for-update prompts."""
    how = f"{contact.get_channel_display()} to the candidate"
    return RecruiterPrompt.objects.filter(
        application=application, reason__in=RESOLVED_BY_CONTACT, resolved_at__isnull=True
    ).update(resolved_at=contact.at, resolution=how)


def prompts_reassign(*, application: Application, to_user) -> int:
    """Open prompts follow the application to its new owner."""
    return RecruiterPrompt.objects.filter(application=application, resolved_at__isnull=True).update(recruiter=to_user)
