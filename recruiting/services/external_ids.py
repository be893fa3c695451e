"""The firm's applicant tracking system's ids on clients, hiring managers, jobs and applications.

Set through the API, so that the system can find again, by its own id, what it pushed. Unique per record
kind (a database constraint); an empty id clears it. Who may set one: whoever may change the record (a
job's or an application's owner, their team lead, an admin); clients and their contacts are the firm's
shared address book, which anyone signed in keeps.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from recruiting.audit import audit_log_record
from recruiting.models import Application, Client, HiringManager, Job
from recruiting.permissions import ensure_can_act

User = AbstractBaseUser

ExternalRecord = Client | HiringManager | Job | Application


def external_id_clean(external_id: str | None) -> str | None:
    value = (external_id or "").strip()
    if len(value) > 100:
        raise ValidationError({"external_id": "An external id is at most 100 characters."})
    return value or None


@transaction.atomic
def record_external_id_set(*, record: ExternalRecord, external_id: str | None, by: User | None) -> ExternalRecord:
    model = type(record)
    record = model.objects.select_for_update().get(pk=record.pk)
    if isinstance(record, Job | Application):
        ensure_can_act(by, record.owner_id)
    elif by is not None and not by.is_active:
        raise PermissionDenied("This account is not active.")
    value = external_id_clean(external_id)
    if record.external_id == value:
        return record
    previous = record.external_id
    record.external_id = value
    try:
        with transaction.atomic():
            record.save(update_fields=["external_id"])
    except IntegrityError as error:
        raise ValidationError({"external_id": "Another record of this kind already has this external id."}) from error
    audit_log_record(
        actor=by,
        action=f"{model._meta.model_name}.external_id",
        obj=record,
        details={"from": previous or "", "to": value or ""},
    )
    return record
