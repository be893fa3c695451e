"""A candidate's data rights: a copy of everything we hold on them, and erasure on request.

Erasure keeps every row that a figure counts (applications, stage changes, contacts, messages,
attempts, prompts, audit entries) and removes what identifies the person: names, addresses, phone,
free text written about them, message contents, provider details. What it cannot attribute to the
candidate by relation it finds by content: any text column of the app's tables that still holds the
candidate's full name, address or phone number has that string replaced.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from notifications.models import InboundMessage, OutboundMessage, TrackingEvent
from notifications.services import data_rights as notification_rights
from notifications.services import mail_files
from recruiting.audit import audit_log_record
from recruiting.models import Application, RecruiterPrompt
from recruiting.permissions import ensure_admin
from recruiting.services import data_rights as pipeline_rights
from recruiting.services.data_rights import ERASED, AuditRefs, person, when

from ..models import Candidate

User = AbstractBaseUser
ERASED_NAME = "Erased"
ERASE_REASON = "Personal data erased on request"
APPS_HOLDING_PERSONAL_DATA = ("candidates", "recruiting", "notifications", "admin")

# What a person types to confirm an erasure, in the workspace and the admin.
ERASE_CONFIRMATION = "ERASE"


def _audit_refs(candidate: Candidate, application_ids: Iterable[int], **others: Iterable[int]) -> AuditRefs:
    """The objects whose audit rows are about the candidate: them, their applications, and the rows of
    other apps named by label (messages, prompts, delivery events)."""
    return [
        (Candidate._meta.label_lower, [candidate.pk]),
        (Application._meta.label_lower, application_ids),
        *((label, ids) for label, ids in others.items()),
    ]


def candidate_export(*, candidate: Candidate, by: User | None = None) -> dict[str, Any]:
    """Everything held on the candidate, as JSON-ready data (strings, numbers, lists, dicts), each app
    listing its own rows.

    Only an admin (or the system, `by=None`, for the management command) may export; the export itself
    is recorded in the audit log.
    """
    ensure_admin(by, "export a candidate's data")
    candidate = Candidate.objects.select_related("owner").get(pk=candidate.pk)
    # A subquery, not a list: each app's rows are read in the query that reads them.
    application_ids = Application.objects.filter(candidate=candidate).values("pk")
    notifications = notification_rights.messages_export(
        candidate_id=candidate.pk, application_ids=application_ids, address=candidate.email
    )
    # Django's admin log keys objects by text: it is read with the ids themselves.
    admin_log_refs = _audit_refs(
        candidate,
        application_ids.values_list("pk", flat=True),
        **{
            OutboundMessage._meta.label_lower: OutboundMessage.objects.filter(candidate=candidate).values_list(
                "pk", flat=True
            )
        },
    )
    data = {
        "exported_at": when(timezone.now()),
        "details": {
            "id": candidate.pk,
            "first_name": candidate.first_name,
            "last_name": candidate.last_name,
            "email": candidate.email,
            "phone": candidate.phone,
            "time_zone": candidate.time_zone,
            "email_status": candidate.email_status,
            "recruiter": person(candidate.owner),
            "created_at": when(candidate.created_at),
            "erased_at": when(candidate.erased_at),
        },
        "preferences": {
            "automated_updates_paused": candidate.automated_updates_paused,
            "do_not_contact": candidate.do_not_contact,
            "do_not_contact_reason": candidate.do_not_contact_reason,
            "do_not_contact_at": when(candidate.do_not_contact_at),
        },
        "applications": pipeline_rights.applications_export(candidate_id=candidate.pk),
        **notifications,
        "audit": pipeline_rights.audit_export(refs=_audit_refs(candidate, application_ids)),
        "admin_log": pipeline_rights.admin_log_export(refs=admin_log_refs),
        "mail_files": mail_files.mail_files_export(address=candidate.email, strings=_personal_strings(candidate)),
    }
    with transaction.atomic():
        audit_log_record(actor=by, action="candidate.export", obj=candidate)
    return data


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

    Each app empties its own rows; then whatever still holds the candidate's name, address or phone by
    content is swept. Only an admin (or the system, `by=None`, for the management command) may erase.
    Messages still waiting to go out are cancelled; open prompts are resolved; the candidate leaves the
    clock.
    """
    ensure_admin(by, "erase a candidate's data")
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.erased_at is not None:
        return candidate
    personal = _personal_strings(candidate)
    application_ids = list(Application.objects.filter(candidate=candidate).values_list("pk", flat=True))
    erased = notification_rights.messages_erase(
        candidate_id=candidate.pk,
        application_ids=application_ids,
        address=candidate.email,
        erased_address=_erased_address(candidate),
        reason=ERASE_REASON,
    )
    refs = _audit_refs(
        candidate,
        application_ids,
        **{
            OutboundMessage._meta.label_lower: erased["messages"],
            RecruiterPrompt._meta.label_lower: pipeline_rights.prompt_ids(application_ids=application_ids),
            TrackingEvent._meta.label_lower: erased["delivery_events"],
            InboundMessage._meta.label_lower: erased["inbound"],
        },
    )
    pipeline_rights.audit_scrub(refs=refs)
    admin_entries = pipeline_rights.admin_log_scrub(refs=refs)
    # Files are not rolled back with the database: the mail files are cleaned once the erasure is committed.
    address = candidate.email
    transaction.on_commit(lambda: mail_files.mail_files_erase(address=address, strings=personal))
    _candidate_anonymise(candidate)
    pipeline_rights.applications_erase(application_ids=application_ids, reason=ERASE_REASON)
    swept = _sweep(personal)
    audit_log_record(
        actor=by,
        action="candidate.erase",
        obj=candidate,
        details={
            "applications": len(application_ids),
            "messages": len(erased["messages"]),
            "other_rows_cleaned": swept,
            "admin_log_entries": admin_entries,
        },
    )
    return candidate


def _erased_address(candidate: Candidate) -> str:
    return f"erased-{candidate.pk}@erased.invalid"


def _candidate_anonymise(candidate: Candidate) -> None:
    now = timezone.now()
    candidate.first_name = ERASED_NAME
    candidate.last_name = ""
    candidate.email = _erased_address(candidate)
    candidate.phone = ""
    candidate.do_not_contact = True
    candidate.do_not_contact_reason = ERASE_REASON
    candidate.do_not_contact_at = candidate.do_not_contact_at or now
    candidate.automated_updates_paused = True
    candidate.erased_at = now
    candidate.save()
