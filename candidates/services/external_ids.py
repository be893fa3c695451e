"""A candidate's id in the firm's applicant tracking system, set through the API (unique when given)."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from candidates.models import Candidate
from recruiting.audit import audit_log_record
from recruiting.permissions import ensure_can_act
from recruiting.services.external_ids import external_id_clean

User = AbstractBaseUser


@transaction.atomic
def candidate_external_id_set(*, candidate: Candidate, external_id: str | None, by: User | None) -> Candidate:
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    ensure_can_act(by, candidate.owner_id)
    value = external_id_clean(external_id)
    if candidate.external_id == value:
        return candidate
    previous = candidate.external_id
    candidate.external_id = value
    try:
        with transaction.atomic():
            candidate.save(update_fields=["external_id"])
    except IntegrityError as error:
        raise ValidationError({"external_id": "Another candidate already has this external id."}) from error
    audit_log_record(
        actor=by, action="candidate.external_id", obj=candidate, details={"from": previous or "", "to": value or ""}
    )
    return candidate
