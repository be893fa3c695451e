"""A candidate's data rights: a copy of everything we hold on them, and erasure on request.

Erasure keeps every row that a figure counts (applications, stage changes, contacts, messages,
attempts, prompts, audit entries) and removes what identifies the person: names, addresses, phone,
free text written about them, message contents, provider details. What it cannot attribute to the
candidate by relation it finds by content: any text column of the app's tables that still holds the
candidate's full name, address or phone number has that string replaced.
"""

import re
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from recruiting.models import Application, AuditLog, ContactEvent, StageChange
from recruiting.permissions import ensure_admin
from recruiting.services import application_clock_recompute, audit_log_record

from ..models import Candidate
from ..wording import client_display_name

User = AbstractBaseUser
ERASED = "[erased]"
ERASED_NAME = "Erased"
ERASE_REASON = "Personal data erased on request"
# Audit detail keys that only ever hold codes, dates or ids; every other string of a row about the
# candidate is replaced.
AUDIT_SAFE_KEYS = frozenset({"from", "to", "notify", "next_step_date", "channel", "direction", "source", "version"})
APPS_HOLDING_PERSONAL_DATA = ("candidates", "recruiting", "notifications")


# What a person types to confirm an erasure, in the workspace and the admin.
ERASE_CONFIRMATION = "ERASE"


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _user(user) -> dict[str, str] | None:
    if user is None:
        return None
    return {"name": user.get_full_name() or user.get_username(), "email": user.email}


def candidate_export(*, candidate: Candidate, by: User | None = None) -> dict[str, Any]:
    """Everything held on the candidate, as JSON-ready data (strings, numbers, lists, dicts).

    Client names follow rule 8 here too: a client the candidate was never put forward to is described,
    not named. Only an admin (or the system, `by=None`, for the management command) may export; the
    export itself is recorded in the audit log.
    """
    from notifications.models import MessageAttempt, OutboundMessage, RecruiterPrompt, Suppression, TrackingEvent

    ensure_admin(by, "export a candidate's data")
    candidate = Candidate.objects.select_related("owner").get(pk=candidate.pk)
    applications = list(
        Application.objects.filter(candidate=candidate)
        .select_related("job__client", "owner")
        .prefetch_related(
            models.Prefetch("stage_changes", queryset=StageChange.objects.select_related("by").order_by("at", "id")),
            models.Prefetch("contacts", queryset=ContactEvent.objects.select_related("by").order_by("at", "id")),
            models.Prefetch("prompts", queryset=RecruiterPrompt.objects.order_by("created_at", "id")),
        )
        .order_by("created_at", "id")
    )
    application_ids = [application.pk for application in applications]
    messages = (
        OutboundMessage.objects.filter(Q(candidate=candidate) | Q(application_id__in=application_ids))
        .prefetch_related(models.Prefetch("attempt_log", queryset=MessageAttempt.objects.order_by("at", "id")))
        .order_by("created_at", "id")
    )
    audit = AuditLog.objects.filter(
        Q(object_type=Candidate._meta.label_lower, object_id=candidate.pk)
        | Q(object_type=Application._meta.label_lower, object_id__in=application_ids)
    ).order_by("at", "id")
    data = {
        "exported_at": _when(timezone.now()),
        "details": {
            "id": candidate.pk,
            "first_name": candidate.first_name,
            "last_name": candidate.last_name,
            "email": candidate.email,
            "phone": candidate.phone,
            "time_zone": candidate.time_zone,
            "email_status": candidate.email_status,
            "recruiter": _user(candidate.owner),
            "created_at": _when(candidate.created_at),
            "erased_at": _when(candidate.erased_at),
        },
        "preferences": {
            "automated_updates_paused": candidate.automated_updates_paused,
            "do_not_contact": candidate.do_not_contact,
            "do_not_contact_reason": candidate.do_not_contact_reason,
            "do_not_contact_at": _when(candidate.do_not_contact_at),
        },
        "applications": [_application_export(application) for application in applications],
        "messages": [
            {
                "id": message.pk,
                "application": message.application_id,
                "template": message.template_code,
                "to": message.to_address,
                "subject": message.subject,
                "body_text": message.body_text,
                "body_html": message.body_html,
                "status": message.status,
                "status_reason": message.status_reason,
                "created_at": _when(message.created_at),
                "sent_at": _when(message.sent_at),
                "attempts": [
                    {"at": _when(a.at), "outcome": a.outcome, "smtp_code": a.smtp_code, "detail": a.detail}
                    for a in message.attempt_log.all()
                ],
            }
            for message in messages
        ],
        "suppressions": [
            {"email": s.email, "reason": s.reason, "detail": s.detail, "created_at": _when(s.created_at)}
            for s in Suppression.objects.filter(email__iexact=candidate.email)
        ],
        "delivery_events": [
            {"type": e.event_type, "recipient": e.recipient, "description": e.description, "at": _when(e.received_at)}
            for e in TrackingEvent.objects.filter(recipient__iexact=candidate.email).order_by("received_at", "id")
        ],
        "audit": [
            {
                "at": _when(entry.at),
                "action": entry.action,
                "object": f"{entry.object_type}#{entry.object_id}",
                "details": entry.details,
            }
            for entry in audit
        ],
    }
    with transaction.atomic():
        audit_log_record(actor=by, action="candidate.export", obj=candidate)
    return data


def _application_export(application: Application) -> dict[str, Any]:
    seen_by_client = any(change.to_stage in _submitted_stages() for change in application.stage_changes.all())
    return {
        "id": application.pk,
        "job": application.job.title,
        "client": client_display_name(client=application.job.client, client_has_seen_candidate=seen_by_client),
        "stage": application.stage,
        "recruiter": _user(application.owner),
        "created_at": _when(application.created_at),
        "closed_at": _when(application.closed_at),
        "promised_next_step_date": _when(application.promised_next_step_date),
        "last_informed_at": _when(application.last_informed_at),
        "next_update_due": _when(application.next_update_due),
        "stage_history": [
            {
                "from": change.from_stage,
                "to": change.to_stage,
                "at": _when(change.at),
                "by": _user(change.by),
                "note": change.note,
                "next_step_date": _when(change.next_step_date),
            }
            for change in application.stage_changes.all()
        ],
        "contacts": [
            {
                "channel": contact.channel,
                "direction": contact.direction,
                "at": _when(contact.at),
                "by": _user(contact.by),
                "summary": contact.summary,
            }
            for contact in application.contacts.all()
        ],
        "prompts": [
            {
                "reason": prompt.reason,
                "detail": prompt.detail,
                "created_at": _when(prompt.created_at),
                "resolved_at": _when(prompt.resolved_at),
                "resolution": prompt.resolution,
            }
            for prompt in application.prompts.all()
        ],
    }


def _submitted_stages():
    from recruiting.models import SUBMITTED_STAGES

    return SUBMITTED_STAGES


def _scrub_json(value: Any, *, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _scrub_json(v, key=k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(v, key=key) for v in value]
    if isinstance(value, str) and key not in AUDIT_SAFE_KEYS:
        return ERASED if value else value
    return value


def _replace_strings(value: Any, pattern: re.Pattern) -> Any:
    if isinstance(value, dict):
        return {k: _replace_strings(v, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_strings(v, pattern) for v in value]
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    return value


def _personal_strings(candidate: Candidate) -> list[str]:
    """The strings that identify the candidate wherever they appear. A first or last name alone would
    also match unrelated words ("Ann" in "Announcement"), so names are searched for only in full."""
    first, last = candidate.first_name, candidate.last_name
    strings = [candidate.email]
    if first and last:
        strings += [f"{first} {last}", f"{last} {first}", f"{last}, {first}"]
    if len(re.sub(r"\D", "", candidate.phone)) >= 6:
        strings.append(candidate.phone)
    return list(dict.fromkeys(s for s in strings if s))


def _sweep(strings: list[str]) -> int:
    """Replace the strings in every free-text column of the apps' tables; returns how many rows changed.

    One scan per table (all its text columns at once); columns with fixed choices hold only codes and
    are skipped. Candidate rows are left out: another record of the same person is erased on its own,
    not mangled.
    """
    if not strings:
        return 0
    pattern = re.compile("|".join(re.escape(s) for s in sorted(strings, key=len, reverse=True)), re.IGNORECASE)
    changed = 0
    for app_label in APPS_HOLDING_PERSONAL_DATA:
        for model in apps.get_app_config(app_label).get_models():
            if model is Candidate:
                continue
            fields = [
                f
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.choices
            ]
            if not fields:
                continue
            condition = Q()
            for field in fields:
                for value in strings:
                    condition |= Q(**{f"{field.attname}__icontains": value})
            for row in model.objects.filter(condition).only("pk", *(f.attname for f in fields)):
                updates = {}
                for field in fields:
                    value = getattr(row, field.attname)
                    new = _replace_strings(value, pattern)
                    if new != value:
                        is_address = isinstance(field, models.EmailField)
                        updates[field.attname] = (
                            f"erased-{model._meta.model_name}-{row.pk}@erased.invalid" if is_address else new
                        )
                if updates:
                    model.objects.filter(pk=row.pk).update(**updates)
                    changed += 1
    return changed


@transaction.atomic
def candidate_erase(*, candidate: Candidate, by: User | None) -> Candidate:
    """Remove or anonymise the candidate's personal data everywhere, keeping the rows figures count.

    Only an admin (or the system, `by=None`, for the management command) may erase. Messages still
    waiting to go out are cancelled; open prompts are resolved; the candidate leaves the clock.
    """
    from notifications.models import MessageAttempt, OutboundMessage, RecruiterPrompt, Suppression, TrackingEvent

    ensure_admin(by, "erase a candidate's data")
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.erased_at is not None:
        return candidate
    now = timezone.now()
    personal = _personal_strings(candidate)
    address = candidate.email
    application_ids = list(Application.objects.filter(candidate=candidate).values_list("pk", flat=True))
    erased_address = f"erased-{candidate.pk}@erased.invalid"

    messages = OutboundMessage.objects.filter(Q(candidate=candidate) | Q(application_id__in=application_ids))
    messages.filter(status__in=[OutboundMessage.Status.HELD, OutboundMessage.Status.QUEUED]).update(
        status=OutboundMessage.Status.CANCELLED
    )
    messages.update(
        subject="", body_text="", body_html="", to_address=erased_address, status_reason=ERASE_REASON, last_error=""
    )
    MessageAttempt.objects.filter(message__in=messages).update(detail="")
    ContactEvent.objects.filter(application_id__in=application_ids).update(summary="")
    StageChange.objects.filter(application_id__in=application_ids).update(note="")
    prompts = RecruiterPrompt.objects.filter(application_id__in=application_ids)
    prompts.filter(resolved_at__isnull=True).update(resolved_at=now, resolution=ERASE_REASON)
    prompts.update(detail="", snooze_reason="")
    for suppression in Suppression.objects.filter(email__iexact=address):
        suppression.email = f"erased-suppression-{suppression.pk}@erased.invalid"
        suppression.detail = ""
        suppression.save(update_fields=["email", "detail"])
    event_ids = list(
        TrackingEvent.objects.filter(Q(recipient__iexact=address) | Q(message__in=messages)).values_list(
            "pk", flat=True
        )
    )
    TrackingEvent.objects.filter(pk__in=event_ids).update(recipient="", description="")
    related_audit = AuditLog.objects.filter(
        Q(object_type=Candidate._meta.label_lower, object_id=candidate.pk)
        | Q(object_type=Application._meta.label_lower, object_id__in=application_ids)
        | Q(object_type=OutboundMessage._meta.label_lower, object_id__in=messages.values("pk"))
        | Q(object_type=RecruiterPrompt._meta.label_lower, object_id__in=prompts.values("pk"))
        | Q(object_type=TrackingEvent._meta.label_lower, object_id__in=event_ids)
    )
    for entry in related_audit:
        entry.details = _scrub_json(entry.details)
        entry.save(update_fields=["details"])

    candidate.first_name = ERASED_NAME
    candidate.last_name = ""
    candidate.email = erased_address
    candidate.phone = ""
    candidate.do_not_contact = True
    candidate.do_not_contact_reason = ERASE_REASON
    candidate.do_not_contact_at = candidate.do_not_contact_at or now
    candidate.automated_updates_paused = True
    candidate.erased_at = now
    candidate.save()
    for application in Application.objects.filter(pk__in=application_ids).select_related("candidate"):
        application_clock_recompute(application=application)
    swept = _sweep(personal)
    audit_log_record(
        actor=by,
        action="candidate.erase",
        obj=candidate,
        details={"applications": len(application_ids), "messages": messages.count(), "other_rows_cleaned": swept},
    )
    return candidate
