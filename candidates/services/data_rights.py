"""People's data rights across every app: a candidate's copy of everything we hold on them, and the
erasure on request of a candidate or of a client's hiring manager.

Erasure keeps every row that a figure counts (applications, stage changes, contacts, messages,
attempts, prompts, answers, audit entries) and removes what identifies the person: names, addresses,
phone, free text written about them, message contents, provider details. Each app first empties the
rows it can attribute to the person by relation; then one sweep, the same for every kind of person,
finds the rest by content: any text (or stored raw) column of each app's tables and of Django's admin
log that still holds one of the person's full names, any address they ever had (merged records, a
changed address, the addresses emails went to) or their phone number has that string replaced, and the
mail files of the embedded mode lose every email to or about them.

Each app handles its own rows: this app its Candidate, the pipeline (below) by a direct call, the apps
above (notifications, the API) as subscribers of the events of candidates.events.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from candidates import events as data_events
from candidates.models import Candidate, TextConsent
from recruiting import events
from recruiting.audit import audit_log_record
from recruiting.models import Application, HiringManager, RecruiterPrompt
from recruiting.permissions import ensure_admin
from recruiting.personal_data import PersonalData, personal_data_of, tables_sweep
from recruiting.services import data_rights as pipeline_rights
from recruiting.services.data_rights import AuditRefs, person, when
from recruiting.services.hiring_managers import hiring_manager_erase

User = AbstractBaseUser
ERASED_NAME = "Erased"
ERASE_REASON = "Personal data erased on request"
CONTACT_ERASE_REASON = "The recipient's data was erased."

# What a person types to confirm an erasure, in the workspace and the admin.
ERASE_CONFIRMATION = "ERASE"


def _audit_refs(candidate: Candidate, application_ids: Iterable[int]) -> AuditRefs:
    """The objects whose audit rows are about the candidate: them and their applications."""
    return [(Candidate._meta.label_lower, [candidate.pk]), (Application._meta.label_lower, application_ids)]


def _parts(event: object) -> list[data_events.DataRightsPart]:
    """What each app above answered to an export or an erasure (its DataRightsPart)."""
    return events.publish(event)


def candidate_export(*, candidate: Candidate, by: User | None = None) -> dict[str, Any]:
    """Everything held on the candidate, as JSON-ready data (strings, numbers, lists, dicts), each app
    listing its own rows.

    Only an admin (or the system, `by=None`, for the management command) may export; the export itself
    is recorded in the audit log.
    """
    ensure_admin(by, "export a candidate's data")
    candidate = Candidate.objects.select_related("owner").get(pk=candidate.pk)
    # A query, not a list: each app's rows are read in the query that reads them.
    application_ids = pipeline_rights.application_ids(candidate_id=candidate.pk)
    parts = _parts(
        data_events.CandidateExporting(
            candidate_id=candidate.pk, application_ids=application_ids, personal=_candidate_personal(candidate)
        )
    )
    refs = _audit_refs(candidate, application_ids)
    data = {
        "exported_at": when(timezone.now()),
        "details": {
            "id": candidate.pk,
            "first_name": candidate.first_name,
            "last_name": candidate.last_name,
            "email": candidate.email,
            "phone": candidate.phone,
            "mobile": str(candidate.mobile or ""),
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
            "channel": candidate.channel,
            "texts_stopped_at": when(candidate.texts_stopped_at),
            "text_consents": _text_consents_export(candidate),
        },
        "applications": pipeline_rights.applications_export(candidate_id=candidate.pk),
        **{name: section for part in parts for name, section in part.sections.items()},
        "audit": pipeline_rights.audit_export(refs=refs),
        "admin_log": pipeline_rights.admin_log_export(refs=[*refs, *(ref for part in parts for ref in part.refs)]),
    }
    with transaction.atomic():
        audit_log_record(actor=by, action="candidate.export", obj=candidate)
    return data


def _text_consents_export(candidate: Candidate) -> list[dict[str, Any]]:
    return [
        {
            "given": c.given,
            "number": str(c.number or ""),
            "how": c.how,
            "by": person(c.by),
            "at": when(c.at),
            "note": c.note,
        }
        for c in TextConsent.objects.filter(candidate=candidate).select_related("by").order_by("at", "id")
    ]


def _addresses(event: object) -> list[str]:
    return [address for addresses in events.publish(event) for address in addresses]


def _candidate_personal(candidate: Candidate) -> PersonalData:
    """The candidate's details, those of every record merged into theirs, and every address the apps
    wrote to them at (an address corrected since is still theirs)."""
    own = {key: getattr(candidate, key) for key in ("first_name", "last_name", "email", "phone")}
    # The mobile number is the candidate's too, wherever it was written.
    mobile = {"phone": str(candidate.mobile)} if candidate.mobile else {}
    return personal_data_of(
        identities=[own, *([mobile] if mobile else []), *candidate.merged_details],
        addresses=_addresses(data_events.CandidateAddressesAsked(candidate_id=candidate.pk)),
    )


def _hiring_manager_personal(manager: HiringManager) -> PersonalData:
    """A manager's one name field holds their full name; it is searched for when it is one (two words or
    more), like a candidate's. Their address, and every address the feedback requests went to."""
    written_to = _addresses(data_events.HiringManagerAddressesAsked(hiring_manager_id=manager.pk))
    name = manager.name.strip()
    return PersonalData(
        addresses=tuple(dict.fromkeys(a for a in [manager.email, *written_to] if a)),
        names=(name,) if len(name.split()) >= 2 else (),
    )


def _personal_data_sweep(personal: PersonalData) -> int:
    """The one sweep every erasure ends with, whoever the person: each app's tables (the records of people
    are erased on their own, never mangled by a sweep), and what the apps above keep elsewhere (the mail
    files, once the erasure is committed). How many rows changed."""
    swept = tables_sweep(app_label="candidates", personal=personal, skip=[Candidate])
    swept += pipeline_rights.personal_data_sweep(personal=personal)
    return swept + sum(events.publish(data_events.PersonalDataSweeping(personal=personal)))


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
    application_ids = list(pipeline_rights.application_ids(candidate_id=candidate.pk))
    parts = _parts(
        data_events.CandidateErasing(
            candidate_id=candidate.pk,
            application_ids=application_ids,
            personal=personal,
            erased_address=_erased_address(candidate),
            reason=ERASE_REASON,
        )
    )
    refs = [
        *_audit_refs(candidate, application_ids),
        (RecruiterPrompt._meta.label_lower, pipeline_rights.prompt_ids(application_ids=application_ids)),
        *(ref for part in parts for ref in part.refs),
    ]
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
            "messages": sum(part.counts.get("messages", 0) for part in parts),
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
    candidate.mobile, candidate.channel, candidate.texts_stopped_at = "", Candidate.Channel.EMAIL, None
    TextConsent.objects.filter(candidate=candidate).delete()
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
    parts = _parts(
        data_events.HiringManagerErasing(
            hiring_manager_id=manager.pk,
            personal=personal,
            erased_address=manager.email,
            reason=CONTACT_ERASE_REASON,
        )
    )
    refs = [(HiringManager._meta.label_lower, [manager.pk]), *(ref for part in parts for ref in part.refs)]
    admin_entries = pipeline_rights.admin_log_scrub(refs=refs)
    swept = _personal_data_sweep(personal)
    details = {
        "emails": sum(part.counts.get("messages", 0) for part in parts),
        "other_rows_cleaned": swept,
        "admin_log_entries": admin_entries,
    }
    audit_log_record(actor=by, action="hiring_manager.erase_everywhere", obj=manager, details=details)
    return details
