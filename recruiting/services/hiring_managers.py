"""Client contacts: the hiring managers of each client, who is named on each job, and their own data
rights (a manager's export and erasure; they are people too, not only the client's address book).

Keyword-only, typed, atomic, audited. Anyone signed in may keep a client's contacts (they are the
firm's shared address book); naming managers on a job is for those who may change the job's owner's
work; erasure is for admins.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from recruiting.audit import audit_log_record
from recruiting.models import Client, HiringManager, Job
from recruiting.permissions import ensure_admin, ensure_can_act
from recruiting.services.client_replies import client_replies_unname
from recruiting.services.prompts import prompts_unname

User = AbstractBaseUser


@transaction.atomic
def hiring_manager_save(
    *,
    client: Client,
    name: str,
    email: str,
    time_zone: str,
    do_not_email: bool,
    by: User | None,
    hiring_manager: HiringManager | None = None,
) -> HiringManager:
    """Add a hiring manager to a client, or change one (never moved to another client)."""
    if hiring_manager is not None:
        hiring_manager = HiringManager.objects.select_for_update().get(pk=hiring_manager.pk)
        if hiring_manager.erased_at is not None:
            raise ValidationError("This contact's data was erased.")
        if hiring_manager.client_id != client.pk:
            raise ValidationError("A contact stays with their client; add them to the other client instead.")
    manager = hiring_manager or HiringManager(client=client)
    manager.name = name.strip()
    manager.email = email.strip()
    manager.time_zone = time_zone
    manager.do_not_email = do_not_email
    manager.full_clean(validate_constraints=False)
    duplicate = HiringManager.objects.filter(client=client, email__iexact=manager.email, erased_at__isnull=True)
    if manager.pk is not None:
        duplicate = duplicate.exclude(pk=manager.pk)
    if duplicate.exists():
        raise ValidationError({"email": "This client already has a contact with this email address."})
    created = manager.pk is None
    manager.save()
    audit_log_record(
        actor=by,
        action="hiring_manager.create" if created else "hiring_manager.change",
        obj=manager,
        details={"client": client.pk, "do_not_email": do_not_email},
    )
    return manager


@transaction.atomic
def job_hiring_managers_set(*, job: Job, hiring_managers: list[HiringManager], by: User | None) -> Job:
    """Name who at the client answers for this job's candidates (replacing the previous list)."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    ensure_can_act(by, job.owner_id)
    for manager in hiring_managers:
        if manager.client_id != job.client_id or manager.erased_at is not None:
            raise ValidationError({"hiring_managers": f"{manager.name} is not a contact of {job.client}."})
    job.hiring_managers.set(hiring_managers)
    audit_log_record(
        actor=by, action="job.hiring_managers", obj=job, details={"hiring_managers": [m.pk for m in hiring_managers]}
    )
    return job


def hiring_manager_export(*, hiring_manager: HiringManager, by: User | None) -> dict:
    """Everything Inloop holds about a manager as a person: their contact row, the jobs they are named
    on, the chases sent to them and the answers they gave (the candidates named only by application)."""
    ensure_admin(by, "export a contact's data")
    return {
        "name": hiring_manager.name,
        "email": hiring_manager.email,
        "time_zone": hiring_manager.time_zone,
        "do_not_email": hiring_manager.do_not_email,
        "client": hiring_manager.client.name,
        "jobs": list(hiring_manager.jobs.values_list("title", flat=True)),
        "chases": [
            {"application": application_id, "at": at.isoformat()}
            for application_id, at in hiring_manager.chases.values_list("application_id", "at")
        ],
        "answers": [
            {"application": application_id, "kind": kind, "at": at.isoformat(), "reason": reason}
            for application_id, kind, at, reason in hiring_manager.answers.values_list(
                "application_id", "kind", "at", "reason"
            )
        ],
    }


@transaction.atomic
def hiring_manager_erase(*, hiring_manager: HiringManager, by: User | None) -> HiringManager:
    """Erase a manager's personal data: name and address blanked, taken off every job, never chased again.
    The pipeline's part of their erasure: candidates.services.data_rights.hiring_manager_data_erase runs it
    with the other apps' parts and the sweep that finds their name and addresses everywhere else.

    The chases and answers stay (the candidates' timelines and the client's figures need them); the
    answers keep no link to the erased person, and the prompts about them no longer name them.
    """
    ensure_admin(by, "erase a contact's data")
    manager = HiringManager.objects.select_for_update().get(pk=hiring_manager.pk)
    if manager.erased_at is not None:
        return manager
    asked_about = {*manager.chases.values_list("application_id", flat=True)}
    asked_about |= {*manager.answers.values_list("application_id", flat=True)}
    prompts_unname(application_ids=asked_about, name=manager.name, replacement="The client contact (erased)")
    manager.answers.update(hiring_manager=None)
    client_replies_unname(hiring_manager=manager)
    manager.jobs.clear()
    manager.name = "Erased contact"
    manager.email = f"erased-{manager.pk}@invalid.example"
    manager.do_not_email = True
    manager.erased_at = timezone.now()
    manager.save(update_fields=["name", "email", "do_not_email", "erased_at"])
    audit_log_record(actor=by, action="hiring_manager.erase", obj=manager, details={"client": manager.client_id})
    return manager
