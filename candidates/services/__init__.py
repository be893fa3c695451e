"""Every write to candidates: creation, details, contact preferences."""

from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from recruiting.permissions import ensure_can_act
from recruiting.services import application_clock_recompute, audit_log_record

from .models import Candidate

User = AbstractBaseUser


def _check_time_zone(time_zone: str) -> None:
    if time_zone not in available_timezones():
        raise ValidationError({"time_zone": f"Unknown time zone: {time_zone!r}."})


@transaction.atomic
def candidate_create(
    *,
    first_name: str,
    email: str,
    owner: User,
    by: User | None,
    last_name: str = "",
    phone: str = "",
    time_zone: str = "UTC",
) -> Candidate:
    _check_time_zone(time_zone)
    candidate = Candidate(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        time_zone=time_zone,
        owner=owner,
    )
    candidate.full_clean()
    candidate.save()
    audit_log_record(actor=by, action="candidate.create", obj=candidate)
    return candidate


@transaction.atomic
def candidate_set_preferences(
    *,
    candidate: Candidate,
    by: User | None,
    automated_updates_paused: bool | None = None,
    do_not_contact: bool | None = None,
    reason: str = "",
    source: str = "recruiter",
) -> Candidate:
    """Pause automated updates or stop all contact (or undo either). `by=None` with source
    "candidate" when the candidate set it on their own page.

    Do-not-contact takes the candidate's applications off the keep-in-the-loop clock; pausing only
    stops automated email (the recruiter still owes them news personally).
    """
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if source == "recruiter":
        ensure_can_act(by, candidate.owner_id)
    changes: dict[str, object] = {}
    if automated_updates_paused is not None and automated_updates_paused != candidate.automated_updates_paused:
        candidate.automated_updates_paused = automated_updates_paused
        changes["automated_updates_paused"] = automated_updates_paused
    if do_not_contact is not None and do_not_contact != candidate.do_not_contact:
        if do_not_contact and not reason.strip():
            raise ValidationError({"reason": "Say why the candidate is not to be contacted."})
        candidate.do_not_contact = do_not_contact
        candidate.do_not_contact_reason = reason.strip() if do_not_contact else ""
        candidate.do_not_contact_at = timezone.now() if do_not_contact else None
        changes["do_not_contact"] = do_not_contact
    if not changes:
        return candidate
    candidate.save()
    if "do_not_contact" in changes:
        for application in candidate.applications.select_related("candidate"):
            application_clock_recompute(application=application)
    audit_log_record(
        actor=by, action="candidate.preferences", obj=candidate, details={**changes, "source": source, "reason": reason}
    )
    return candidate
