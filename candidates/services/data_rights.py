"""People's data rights across every app: a candidate's copy of everything we hold on them, and the
erasure on request of a candidate or of a client's hiring manager.

Erasure keeps every row that a figure counts (applications, stage changes, contacts, messages,
attempts, prompts, answers, audit entries) and removes what identifies the person: names, addresses,
phone, free text written about them, message contents, provider details. Each app first empties the
rows it can attribute to the person by relation; then one sweep, the same for every kind of person,
finds the rest by content: any text (or stored raw) column of the apps' tables and of Django's admin
log that still holds one of the person's full names, any address they ever had (merged records, a
changed address, the addresses emails went to) or their phone number has that string replaced, and the
mail files of the embedded mode lose every email to or about them.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone

from candidates.models import Candidate
from notifications.models import InboundMessage, OutboundMessage, TrackingEvent
from notifications.services import data_rights as notification_rights
from notifications.services import mail_files
from recruiting.audit import audit_log_record
from recruiting.models import Application, HiringManager, RecruiterPrompt
from recruiting.permissions import ensure_admin
from recruiting.services import data_rights as pipeline_rights
from recruiting.services.data_rights import ERASED, AuditRefs, person, when
from recruiting.services.hiring_managers import hiring_manager_erase

User = AbstractBaseUser
ERASED_NAME = "Erased"
ERASE_REASON = "Personal data erased on request"
CONTACT_ERASE_REASON = "The recipient's data was erased."
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
    personal = _candidate_personal(candidate)
    notifications = notification_rights.messages_export(
        candidate_id=candidate.pk, application_ids=application_ids, addresses=list(personal.addresses)
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
            "merged_records": candidate.merged_details,
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
        "mail_files": mail_files.mail_files_export(addresses=list(personal.addresses), strings=personal.strings),
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


@dataclass(frozen=True)
class PersonalData:
    """What identifies one person wherever it was written: every address they ever had, their full names
    (as typed, in the orders people write them) and phone numbers."""

    addresses: tuple[str, ...]
    names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    @property
    def strings(self) -> list[str]:
        return list(dict.fromkeys(s for s in (*self.addresses, *self.names, *self.phones) if s))


def _full_names(first: str, last: str) -> list[str]:
    """A first or last name alone would also match unrelated words ("Ann" in "Announcement"), so names
    are searched for only in full."""
    if not (first and last):
        return []
    return [f"{first} {last}", f"{last} {first}", f"{last}, {first}"]


def _phone(phone: str) -> list[str]:
    return [phone] if len(re.sub(r"\D", "", phone)) >= 6 else []


def _candidate_personal(candidate: Candidate) -> PersonalData:
    """The candidate's details, those of every record merged into theirs, and every address the outbox
    wrote to them at (an address corrected since is still theirs)."""
    identities = [
        {
            "first_name": candidate.first_name,
            "last_name": candidate.last_name,
            "email": candidate.email,
            "phone": candidate.phone,
        },
        *candidate.merged_details,
    ]
    written_to = notification_rights.addresses_written_to(candidate_id=candidate.pk)
    return PersonalData(
        addresses=tuple(dict.fromkeys(a for a in [*(i.get("email", "") for i in identities), *written_to] if a)),
        names=tuple(
            dict.fromkeys(n for i in identities for n in _full_names(i.get("first_name", ""), i.get("last_name", "")))
        ),
        phones=tuple(dict.fromkeys(p for i in identities for p in _phone(i.get("phone", "")))),
    )


def _hiring_manager_personal(manager: HiringManager) -> PersonalData:
    """A manager's one name field holds their full name; it is searched for when it is one (two words or
    more), like a candidate's. Their address, and every address the feedback requests went to."""
    written_to = notification_rights.client_chase_addresses(hiring_manager_id=manager.pk)
    name = manager.name.strip()
    return PersonalData(
        addresses=tuple(dict.fromkeys(a for a in [manager.email, *written_to] if a)),
        names=(name,) if len(name.split()) >= 2 else (),
    )


# The records of people: another record of the same person is erased on its own, never mangled by a sweep.
PERSON_MODELS = (Candidate, HiringManager)


def _pattern(strings: list[str]) -> re.Pattern:
    """The strings as whole words (a name inside a longer word is someone else's), longest first."""
    alternatives = "|".join(re.escape(s) for s in sorted(strings, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _bytes_as_text(field: models.Field) -> tuple[models.Func, Callable[[str], str]]:
    """A binary column read as text by the database, and how a string is written in that text: what lets
    the database find the rows whose stored bytes hold a string (ASCII letters in any case)."""
    if connection.vendor == "postgresql":
        # encode(..., 'escape') writes each byte outside printable ASCII as \ooo, and a backslash as \\.
        def written(value: str) -> str:
            return "".join(
                "\\\\" if b == 0x5C else (f"\\{b:03o}" if b >= 0x80 or b < 0x20 else chr(b)) for b in value.encode()
            )

        return models.Func(
            F(field.attname), Value("escape"), function="encode", output_field=models.TextField()
        ), written
    return Cast(F(field.attname), models.TextField()), str


def _sweep(personal: PersonalData) -> int:
    """Replace the person's strings in every free-text column of the apps' tables (Django's admin log
    included: the names it kept of objects and its change messages) and in their stored raw bytes;
    returns how many rows changed.

    One scan per table (all its text columns at once); columns with fixed choices hold only codes and
    are skipped, and so are the records of people (PERSON_MODELS).
    """
    strings = personal.strings
    if not strings:
        return 0
    pattern = _pattern(strings)
    raw_pattern = re.compile(pattern.pattern.encode(), re.IGNORECASE)
    changed = 0
    for app_label in APPS_HOLDING_PERSONAL_DATA:
        for model in apps.get_app_config(app_label).get_models():
            if model in PERSON_MODELS:
                continue
            changed += _sweep_text(model, strings, pattern) + _sweep_binary(model, strings, raw_pattern)
    return changed


def _sweep_text(model: type[models.Model], strings: list[str], pattern: re.Pattern) -> int:
    fields = [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.choices
    ]
    if not fields:
        return 0
    condition = Q()
    for field in fields:
        for value in strings:
            condition |= Q(**{f"{field.attname}__icontains": value})
    changed = 0
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


def _sweep_binary(model: type[models.Model], strings: list[str], pattern: re.Pattern) -> int:
    """Stored raw bytes (a received email's source, an uploaded file) lose the person's strings too."""
    changed = 0
    for field in (f for f in model._meta.concrete_fields if isinstance(f, models.BinaryField)):
        as_text, written = _bytes_as_text(field)
        hits = Q()
        for value in strings:
            hits |= Q(raw_text__icontains=written(value))
        found = model.objects.annotate(raw_text=as_text).filter(hits)
        for pk, value in found.values_list("pk", field.attname):
            new = pattern.sub(ERASED.encode(), bytes(value))
            if new != bytes(value):
                model.objects.filter(pk=pk).update(**{field.attname: new})
                changed += 1
    return changed


def _personal_data_sweep(personal: PersonalData) -> int:
    """The one sweep every erasure ends with, whoever the person: the tables by content now, the mail
    files once the erasure is committed (files are not rolled back with the database)."""
    swept = _sweep(personal)
    addresses, strings = list(personal.addresses), personal.strings
    transaction.on_commit(lambda: mail_files.mail_files_erase(addresses=addresses, strings=strings))
    return swept


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
    personal = _candidate_personal(candidate)
    application_ids = list(Application.objects.filter(candidate=candidate).values_list("pk", flat=True))
    erased = notification_rights.messages_erase(
        candidate_id=candidate.pk,
        application_ids=application_ids,
        addresses=list(personal.addresses),
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
    _candidate_anonymise(candidate)
    pipeline_rights.applications_erase(application_ids=application_ids, reason=ERASE_REASON)
    swept = _personal_data_sweep(personal)
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
    candidate.merged_details = []
    candidate.save()


@transaction.atomic
def hiring_manager_data_erase(*, hiring_manager: HiringManager, by: User | None) -> dict[str, int]:
    """Erase a client's hiring manager everywhere: the pipeline blanks their record and unnames their
    answers, the outbox empties the emails written to them and from them, then the same sweep as a
    candidate's finds their name and addresses by content (prompts, notes, the audit and admin logs, the
    mail files). Admins only (or the system, `by=None`, for the management command). Returns counts."""
    ensure_admin(by, "erase a contact's data")
    manager = HiringManager.objects.select_for_update().get(pk=hiring_manager.pk)
    if manager.erased_at is not None:
        return {"emails": 0, "other_rows_cleaned": 0}
    personal = _hiring_manager_personal(manager)
    manager = hiring_manager_erase(hiring_manager=manager, by=by)
    erased = notification_rights.client_chase_messages_erase(
        hiring_manager_id=manager.pk,
        addresses=list(personal.addresses),
        erased_address=manager.email,
        reason=CONTACT_ERASE_REASON,
    )
    refs = [
        (HiringManager._meta.label_lower, [manager.pk]),
        (OutboundMessage._meta.label_lower, erased["messages"]),
        (TrackingEvent._meta.label_lower, erased["delivery_events"]),
        (InboundMessage._meta.label_lower, erased["inbound"]),
    ]
    admin_entries = pipeline_rights.admin_log_scrub(refs=refs)
    swept = _personal_data_sweep(personal)
    details = {"emails": len(erased["messages"]), "other_rows_cleaned": swept, "admin_log_entries": admin_entries}
    audit_log_record(actor=by, action="hiring_manager.erase_everywhere", obj=manager, details=details)
    return details
