"""Writes of people's records: creation, contact preferences, a bounced or complained address, and a
candidate's ask for news or, after a late rejection, for feedback (a prompt for their recruiter).

Below notifications in the layers: nothing here sends mail. A fresh status link (an email) is
`notifications.services.status_links`; data rights are `data_rights`, the CSV import `imports`.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from candidates import events as candidate_events
from candidates import selectors
from candidates.models import Candidate
from candidates.selectors import UPDATE_REQUEST_ACTION
from candidates.validators import email_address_clean, email_key, person_name_clean, phone_clean
from recruiting import events
from recruiting.audit import audit_log_record
from recruiting.models import SUBMITTED_STAGES, Application, RecruiterPrompt, Stage, StageChange
from recruiting.permissions import ensure_can_act, ensure_can_act_for_all
from recruiting.services import application_clock_recompute
from recruiting.services.prompts import prompt_open
from recruiting.services.replies import feedback_request_record
from recruiting.validators import validate_time_zone

STOP_CONTACT_REASON = "Asked on their status page"

User = AbstractBaseUser


DUPLICATE_EMAIL_CODE = "duplicate_email"
DUPLICATE_EMAIL = "A candidate with this email address already exists: %(name)s (#%(pk)s). Open their record instead."


def _details_clean(
    *, first_name: str, last_name: str, email: str, phone: str, time_zone: str, candidate_id: int | None
) -> dict[str, str]:
    """A candidate's details checked field by field; one ValidationError naming every bad field."""
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
        validate_time_zone(time_zone)
    except ValidationError as error:
        errors["time_zone"] = error.error_list
    if "email" in cleaned:
        same = selectors.candidate_with_email(email=cleaned["email"], exclude_id=candidate_id)
        if same is not None:
            # The code and the record's id let a page link the record (the text alone names it).
            errors["email"] = [
                ValidationError(
                    DUPLICATE_EMAIL, code=DUPLICATE_EMAIL_CODE, params={"name": same.full_name, "pk": same.pk}
                )
            ]
    if errors:
        raise ValidationError(errors)
    return {**cleaned, "time_zone": time_zone}


def _save_unique(candidate: Candidate) -> None:
    """Save; a second request that took the same address meanwhile is refused by the database's constraint."""
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError as error:
        if "candidate_unique_email_key" not in str(error):
            raise
        raise ValidationError({"email": "A candidate with this email address already exists."}) from error


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
    non-ASCII local parts); invalid ones are refused with a message per field. The user must be able to
    act for the owner they give the candidate to."""
    ensure_can_act_for_all(by, {"owner": owner.pk})
    cleaned = _details_clean(
        first_name=first_name, last_name=last_name, email=email, phone=phone, time_zone=time_zone, candidate_id=None
    )
    candidate = Candidate(**cleaned, owner=owner)
    # The address was checked above with internationalised mail in mind; the model's ASCII-only
    # validator would refuse valid non-ASCII local parts.
    candidate.full_clean(exclude=["email"], validate_constraints=False)
    _save_unique(candidate)
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
    unsubscribed: bool = False,
) -> Candidate:
    """Pause automated updates or stop all contact (or undo either). `by=None` with source
    "candidate" when the candidate set it on their own page (`unsubscribed` when by the unsubscribe link).
    Publishes CandidatePreferencesChanged when something changed.

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
    # Both move the clock: do-not-contact takes the applications off it, and a pause changes the safety net
    # from an email to a call, which must come a day earlier.
    if changes:
        for application in candidate.applications.select_related("candidate"):
            application_clock_recompute(application=application)
    audit_log_record(
        actor=by, action="candidate.preferences", obj=candidate, details={**changes, "source": source, "reason": reason}
    )
    events.publish(
        candidate_events.CandidatePreferencesChanged(
            candidate=candidate,
            by=by,
            source=source,
            automated_updates_paused=changes.get("automated_updates_paused"),
            do_not_contact=changes.get("do_not_contact"),
            reason=candidate.do_not_contact_reason if "do_not_contact" in changes else "",
            unsubscribed=unsubscribed and "automated_updates_paused" in changes,
        )
    )
    return candidate


@transaction.atomic
def application_update_request(*, application: Application, candidate: Candidate) -> bool:
    """The candidate asks their recruiter for news on one application, from their status page.

    Opens a "candidate asked" prompt for the application's owner. At most once per application per
    seven days: a second ask inside that window changes nothing and returns False. Refused for a closed
    application, another candidate's application, or a candidate who asked not to be contacted.
    """
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


@transaction.atomic
def application_feedback_request(*, application: Application, candidate: Candidate) -> bool:
    """After a late rejection (the client had seen them), the candidate asks for feedback, once.

    An inbound contact on the timeline and a reply owed for the owner (recruiting.services.replies);
    False when they had already asked. Refused for another candidate's application, an application
    that was not turned down after reaching a client, or a candidate who asked not to be contacted.
    """
    application = Application.objects.select_for_update().select_related("candidate").get(pk=application.pk)
    if application.candidate_id != candidate.pk:
        raise ValidationError("This application is not yours.")
    if application.candidate.do_not_contact:
        raise ValidationError("You asked us not to contact you. Turn that off first and we will gladly get in touch.")
    reached_client = StageChange.objects.filter(application=application, to_stage__in=SUBMITTED_STAGES).exists()
    if application.stage != Stage.REJECTED or not reached_client:
        raise ValidationError("Feedback can be asked for once a client has turned an application down.")
    return feedback_request_record(application=application) is not None


@transaction.atomic
def candidates_email_status_set(*, address: str, email_status: str) -> list[Candidate]:
    """Mark every candidate using `address` (however typed) as bounced or complained, or deliverable again;
    returns them. Erased candidates are left alone."""
    same_address = Candidate.objects.select_for_update().filter(email_key=email_key(address), erased_at__isnull=True)
    candidates = list(same_address)
    changed = [candidate for candidate in candidates if candidate.email_status != email_status]
    for candidate in changed:
        candidate.email_status = email_status
    Candidate.objects.bulk_update(changed, ["email_status"])
    return candidates


@transaction.atomic
def candidate_update(
    *,
    candidate: Candidate,
    by: User | None,
    first_name: str,
    email: str,
    last_name: str = "",
    phone: str = "",
    time_zone: str = "UTC",
) -> Candidate:
    """Correct a candidate's details (the owner, their team lead or an admin). A new address must not be
    another candidate's; a changed address is deliverable again until it bounces."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    ensure_can_act(by, candidate.owner_id)
    if candidate.erased_at is not None:
        raise ValidationError("This candidate's personal data was erased.")
    cleaned = _details_clean(
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        time_zone=time_zone,
        candidate_id=candidate.pk,
    )
    changed = sorted(field for field, value in cleaned.items() if getattr(candidate, field) != value)
    if not changed:
        return candidate
    if "email" in changed:
        candidate.email_status = Candidate.EmailStatus.OK
    for field in changed:
        setattr(candidate, field, cleaned[field])
    _save_unique(candidate)
    # Field names only: the audit log keeps no copy of the personal data it describes.
    audit_log_record(actor=by, action="candidate.update", obj=candidate, details={"fields": changed})
    return candidate
