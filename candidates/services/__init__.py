"""Every write to candidates: creation, contact preferences, signed links, asking for an update.

Data rights (export, erase) live in `candidates.services.data_rights`, the CSV import in
`candidates.services.imports`.
"""

from functools import cache
from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from recruiting.models import Application
from recruiting.permissions import ensure_can_act
from recruiting.services import application_clock_recompute, audit_log_record

from .. import links, selectors
from ..models import Candidate
from ..selectors import UPDATE_REQUEST_ACTION
from ..validators import email_address_clean, person_name_clean, phone_clean

STOP_CONTACT_REASON = "Asked on their status page"

User = AbstractBaseUser


@cache
def _time_zones() -> frozenset[str]:
    # Reading the zone database walks the file system: once per process is enough.
    return frozenset(available_timezones())


def _check_time_zone(time_zone: str) -> None:
    if time_zone not in _time_zones():
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
    """A new candidate. Names and addresses are kept exactly as typed (emoji, any script, IDN domains,
    non-ASCII local parts); invalid ones are refused with a message per field."""
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, str] = {}
    checks = {
        "first_name": lambda: person_name_clean(first_name, label="first name", required=True),
        "last_name": lambda: person_name_clean(last_name, label="last name", required=False),
        "email": lambda: email_address_clean(email),
        "phone": lambda: phone_clean(phone),
    }
    for field, check in checks.items():
        try:
            cleaned[field] = check()
        except ValidationError as error:
            errors[field] = error.error_list
    try:
        _check_time_zone(time_zone)
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    candidate = Candidate(**cleaned, time_zone=time_zone, owner=owner)
    # The address was checked above with internationalised mail in mind; the model's ASCII-only
    # validator would refuse valid non-ASCII local parts.
    candidate.full_clean(exclude=["email"])
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


def _outbox():
    # Imported late: the outbox builds on candidates, and candidates hand it the new-link email.
    from notifications.services import outbox

    return outbox


@transaction.atomic
def candidate_link_rotate(*, candidate: Candidate, by: User | None) -> Candidate:
    """Retire every signed link the candidate holds and email them a fresh one.

    `by=None` when the candidate asks on their page (a link they think went astray, or one that
    expired); a recruiter may do it for them. The email goes to the address on file, never to whoever
    made the request.
    """
    if by is not None:
        ensure_can_act(by, candidate.owner_id)
    Candidate.objects.filter(pk=candidate.pk).update(link_version=F("link_version") + 1)
    candidate = Candidate.objects.get(pk=candidate.pk)
    audit_log_record(
        actor=by,
        action="candidate.link_rotate",
        obj=candidate,
        details={"source": "recruiter" if by is not None else "candidate", "version": candidate.link_version},
    )
    _outbox().message_queue(
        idempotency_key=f"status-link:{candidate.pk}:{candidate.link_version}",
        template_code="status_link",
        to_address=candidate.email,
        context={
            "candidate_first_name": candidate.first_name,
            "status_page_url": links.status_page_url(candidate),
            "unsubscribe_url": links.unsubscribe_url(candidate),
        },
        candidate=candidate,
        hold_minutes=0,
        by=by,
        respect_business_hours=False,
    )
    return candidate


@transaction.atomic
def application_update_request(*, application: Application, candidate: Candidate) -> bool:
    """The candidate asks their recruiter for news on one application, from their status page.

    Opens a "candidate asked" prompt for the application's owner. At most once per application per
    seven days: a second ask inside that window changes nothing and returns False. Refused for a closed
    application, another candidate's application, or a candidate who asked not to be contacted.
    """
    from notifications.models import RecruiterPrompt
    from notifications.services.prompts import prompt_open

    # The lock serialises two asks sent at once, so the seven-day rule holds under a double click.
    application = Application.objects.select_for_update().select_related("candidate").get(pk=application.pk)
    if application.candidate_id != candidate.pk:
        raise ValidationError("This application is not yours.")
    if application.candidate.do_not_contact:
        raise ValidationError("You asked us not to contact you. Turn that off first and we will gladly get in touch.")
    if not application.is_active:
        raise ValidationError("This application is closed, so there is no update to ask for.")
    if selectors.application_update_requested_at(application=application) is not None:
        return False
    prompt = prompt_open(
        application=application,
        reason=RecruiterPrompt.Reason.CANDIDATE_ASKED,
        detail="The candidate asked for an update on their status page.",
    )
    audit_log_record(
        actor=None, action=UPDATE_REQUEST_ACTION, obj=application, details={"prompt": prompt.pk, "source": "candidate"}
    )
    return True
