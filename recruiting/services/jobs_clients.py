"""Clients and jobs created and edited in the workspace, and a candidate added to a job.

Who may do what (recruiting.permissions): anyone signed in may add a client or a job of their own; a
client's settings (its name, sector and confidentiality) are the firm's, so only team leads and admins
change them; a job is changed by its owner, their team lead or an admin, and given only to someone the
actor may act for. Putting a candidate forward for a job needs the right to act on the candidate; the job
may be a colleague's (split desks, recruiting.permissions).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from recruiting.audit import audit_log_record
from recruiting.models import Application, Client, Job, Role
from recruiting.permissions import ensure_can_act, put_forward_refusal, role_of
from recruiting.services.applications import application_create

User = AbstractBaseUser

# A job's status is set here only among these; closing a job has its own flow (jobs.job_close).
EDITABLE_STATUSES = (Job.Status.OPEN, Job.Status.ON_HOLD, Job.Status.FILLED)


def _ensure_active(by: User | None) -> None:
    if by is not None and not by.is_active:
        raise PermissionDenied("This account is not active.")


def _client_fields(*, name: str, industry: str) -> tuple[str, str]:
    name, industry = " ".join(name.split()), " ".join(industry.split())
    if not name:
        raise ValidationError({"name": "Give the client's name."})
    if len(name) > 200 or len(industry) > 100:
        raise ValidationError("The name is at most 200 characters, the sector at most 100.")
    return name, industry


def _client_save(client: Client) -> None:
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError as error:
        raise ValidationError({"name": "A client with this name already exists."}) from error


@transaction.atomic
def client_create(*, name: str, industry: str, name_visible_before_submission: bool, by: User | None) -> Client:
    """A new client. Confidential by default: candidates see the sector until they are submitted."""
    _ensure_active(by)
    name, industry = _client_fields(name=name, industry=industry)
    if Client.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "A client with this name already exists."})
    client = Client(name=name, industry=industry, name_visible_before_submission=name_visible_before_submission)
    _client_save(client)
    audit_log_record(actor=by, action="client.create", obj=client)
    return client


def can_edit_client(user: User | None) -> bool:
    return user is None or (user.is_active and role_of(user) in (Role.TEAM_LEAD, Role.ADMIN))


@transaction.atomic
def client_update(
    *, client: Client, name: str, industry: str, name_visible_before_submission: bool, by: User | None
) -> Client:
    if not can_edit_client(by):
        raise PermissionDenied("Only a team lead or an admin can change a client's settings.")
    client = Client.objects.select_for_update().get(pk=client.pk)
    name, industry = _client_fields(name=name, industry=industry)
    if Client.objects.filter(name__iexact=name).exclude(pk=client.pk).exists():
        raise ValidationError({"name": "A client with this name already exists."})
    new = {"name": name, "industry": industry, "name_visible_before_submission": name_visible_before_submission}
    changed = {field: value for field, value in new.items() if getattr(client, field) != value}
    if not changed:
        return client
    for field, value in changed.items():
        setattr(client, field, value)
    _client_save(client)
    audit_log_record(actor=by, action="client.update", obj=client, details={"changed": changed})
    return client


def _job_fields(*, title: str, location: str) -> tuple[str, str]:
    title, location = " ".join(title.split()), " ".join(location.split())
    if not title:
        raise ValidationError({"title": "Give the job a title."})
    if len(title) > 200 or len(location) > 200:
        raise ValidationError("The title and the location are at most 200 characters each.")
    return title, location


@transaction.atomic
def job_create(*, client: Client, title: str, location: str, owner: User, by: User | None) -> Job:
    """A new open job, owned by `owner` (the actor, or someone the actor leads)."""
    _ensure_active(by)
    ensure_can_act(by, owner.pk)
    title, location = _job_fields(title=title, location=location)
    job = Job.objects.create(client=client, title=title, location=location, owner=owner, status=Job.Status.OPEN)
    audit_log_record(actor=by, action="job.create", obj=job)
    return job


@transaction.atomic
def job_update(
    *, job: Job, client: Client, title: str, location: str, owner: User, status: str, by: User | None
) -> Job:
    job = Job.objects.select_for_update().get(pk=job.pk)
    ensure_can_act(by, job.owner_id)
    if owner.pk != job.owner_id:
        ensure_can_act(by, owner.pk)
    if job.status == Job.Status.CLOSED:
        raise ValidationError("This job is closed; it can no longer be edited.")
    if status not in EDITABLE_STATUSES:
        raise ValidationError({"status": "A job is closed from its board (Close job), not here."})
    title, location = _job_fields(title=title, location=location)
    new = {"client_id": client.pk, "title": title, "location": location, "owner_id": owner.pk, "status": status}
    changed = {field: value for field, value in new.items() if getattr(job, field) != value}
    if not changed:
        return job
    for field, value in changed.items():
        setattr(job, field, value)
    job.save(update_fields=list(changed))
    audit_log_record(actor=by, action="job.update", obj=job, details={"changed": changed})
    return job


@transaction.atomic
def application_add(*, candidate, job: Job, by: User | None, notify: bool = True) -> Application:
    """Put a candidate forward for a job from the workspace (the candidate's page or the job's board).

    The candidate's desk puts them forward (their owner, that owner's team lead, an admin) to any open job,
    a colleague's included, or within the team when the firm says so (permissions.put_forward_refusal);
    the application stays the candidate's owner's, and the job's owner acts on it too.
    """
    refusal = put_forward_refusal(by, candidate_owner_id=candidate.owner_id, job_owner_id=job.owner_id)
    if refusal is not None:
        raise PermissionDenied(refusal)
    if candidate.erased_at is not None:
        raise ValidationError("This candidate's personal data was erased; they cannot be put forward.")
    try:
        with transaction.atomic():
            return application_create(candidate=candidate, job=job, by=by, owner=candidate.owner, notify=notify)
    except IntegrityError as error:
        # A second click that raced the first: the database's one-application-per-job constraint.
        raise ValidationError({"job": "This candidate already has an application for this job."}) from error
