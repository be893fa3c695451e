"""The pipeline's part of a candidate's data rights: its rows about their applications, listed for an
export and cleared of personal text for an erasure. The candidates app asks each app for its own rows
(candidates.services.data_rights); the rows that figures count are kept, their free text is not."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast

from candidates.wording import client_display_name
from recruiting.models import SUBMITTED_STAGES, Application, AuditLog, ContactEvent, RecruiterPrompt, StageChange
from recruiting.services import prompts
from recruiting.services.clock import application_clock_recompute

ERASED = "[erased]"
# Audit detail keys that only ever hold codes, dates or ids; every other string of a row about the
# candidate is replaced.
AUDIT_SAFE_KEYS = frozenset({"from", "to", "notify", "next_step_date", "channel", "direction", "source", "version"})

# (object type, ids): the audit rows about these objects belong to the candidate's data.
AuditRefs = Iterable[tuple[str, Iterable[int]]]


def when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def person(user) -> dict[str, str] | None:
    if user is None:
        return None
    return {"name": user.get_full_name() or user.get_username(), "email": user.email}


def applications_export(*, candidate_id: int) -> list[dict[str, Any]]:
    """The candidate's applications with their history, contacts and prompts, oldest first. Client names follow
    docs/rules.md#confidential-client: a client the candidate was never put forward to is described, not named."""
    applications = (
        Application.objects.filter(candidate_id=candidate_id)
        .select_related("job__client", "owner")
        .prefetch_related(
            models.Prefetch("stage_changes", queryset=StageChange.objects.select_related("by").order_by("at", "id")),
            models.Prefetch("contacts", queryset=ContactEvent.objects.select_related("by").order_by("at", "id")),
            models.Prefetch("prompts", queryset=RecruiterPrompt.objects.order_by("created_at", "id")),
        )
        .order_by("created_at", "id")
    )
    return [_application_export(application) for application in applications]


def _application_export(application: Application) -> dict[str, Any]:
    seen_by_client = any(change.to_stage in SUBMITTED_STAGES for change in application.stage_changes.all())
    return {
        "id": application.pk,
        "job": application.job.title,
        "client": client_display_name(client=application.job.client, client_has_seen_candidate=seen_by_client),
        "stage": application.stage,
        "recruiter": person(application.owner),
        "created_at": when(application.created_at),
        "closed_at": when(application.closed_at),
        "promised_next_step_date": when(application.promised_next_step_date),
        "last_informed_at": when(application.last_informed_at),
        "next_update_due": when(application.next_update_due),
        "stage_history": [
            {
                "from": change.from_stage,
                "to": change.to_stage,
                "at": when(change.at),
                "by": person(change.by),
                "note": change.note,
                "next_step_date": when(change.next_step_date),
            }
            for change in application.stage_changes.all()
        ],
        "contacts": [
            {
                "channel": contact.channel,
                "direction": contact.direction,
                "at": when(contact.at),
                "by": person(contact.by),
                "summary": contact.summary,
            }
            for contact in application.contacts.all()
        ],
        "prompts": [
            {
                "reason": prompt.reason,
                "detail": prompt.detail,
                "created_at": when(prompt.created_at),
                "resolved_at": when(prompt.resolved_at),
                "resolution": prompt.resolution,
            }
            for prompt in application.prompts.all()
        ],
    }


def _audit_rows(refs: AuditRefs) -> models.QuerySet[AuditLog]:
    about = Q(pk__in=[])
    for object_type, ids in refs:
        about |= Q(object_type=object_type, object_id__in=ids)
    return AuditLog.objects.filter(about).order_by("at", "id")


def audit_export(*, refs: AuditRefs) -> list[dict[str, Any]]:
    return [
        {
            "at": when(entry.at),
            "action": entry.action,
            "object": f"{entry.object_type}#{entry.object_id}",
            "details": entry.details,
        }
        for entry in _audit_rows(refs)
    ]


def prompt_ids(*, application_ids: list[int]) -> list[int]:
    return list(RecruiterPrompt.objects.filter(application_id__in=application_ids).values_list("pk", flat=True))


def applications_erase(*, application_ids: list[int], reason: str) -> None:
    """Clear the free text of the applications' history, contacts and prompts; resolve the open prompts
    and take the applications off the clock (their candidate is do-not-contact by now)."""
    ContactEvent.objects.filter(application_id__in=application_ids).update(summary="")
    StageChange.objects.filter(application_id__in=application_ids).update(note="")
    prompts.prompts_erase(application_ids=application_ids, reason=reason)
    for application in Application.objects.filter(pk__in=application_ids).select_related("candidate"):
        application_clock_recompute(application=application)


def _scrub(value: Any, *, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v, key=k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, key=key) for v in value]
    if isinstance(value, str) and key not in AUDIT_SAFE_KEYS:
        return ERASED if value else value
    return value


def audit_scrub(*, refs: AuditRefs) -> int:
    """Replace every string of the audit details about these objects, but codes, dates and ids."""
    entries = list(_audit_rows(refs))
    for entry in entries:
        entry.details = _scrub(entry.details)
    AuditLog.objects.bulk_update(entries, ["details"])
    return len(entries)


def _admin_log_rows(refs: AuditRefs) -> models.QuerySet[LogEntry]:
    """Django admin's action log ("Recent actions") about these objects: it names them as they read then."""
    about = Q(pk__in=[])
    for label, ids in refs:
        app_label, model = label.split(".")
        about |= Q(content_type__app_label=app_label, content_type__model=model, object_id__in=_as_text(ids))
    return LogEntry.objects.filter(about).select_related("content_type", "user").order_by("action_time", "id")


def _as_text(ids: Iterable[int]) -> Any:
    """Ids as the admin log keeps them (text); a queryset stays a subquery, read with the log."""
    if isinstance(ids, models.QuerySet):
        return ids.annotate(text_pk=Cast("pk", output_field=models.CharField())).values("text_pk")
    return [str(pk) for pk in ids]


def admin_log_export(*, refs: AuditRefs) -> list[dict[str, Any]]:
    return [
        {
            "at": when(entry.action_time),
            "by": person(entry.user),
            "action": {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}.get(entry.action_flag, "other"),
            "object": entry.object_repr,
            "change": entry.get_change_message(),
        }
        for entry in _admin_log_rows(refs)
    ]


def admin_log_scrub(*, refs: AuditRefs) -> int:
    """Name each object of the admin log by its type and id only; the change messages list field names."""
    entries = list(_admin_log_rows(refs))
    for entry in entries:
        entry.object_repr = f"{entry.content_type.name} #{entry.object_id} {ERASED}"
    LogEntry.objects.bulk_update(entries, ["object_repr"])
    return len(entries)
