"""Joining two records of the same person into one: what the admin's "merge two candidates" runs.

Above notifications in the layers because a candidate's outbox rows move with them. Nothing is lost:
applications, their history, contacts and messages all end on the record that is kept; the other record
is then deleted (its audit rows stay, naming the record it was merged into).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from notifications.models import OutboundMessage
from recruiting.audit import audit_log_record
from recruiting.models import Application, ContactEvent, RecruiterPrompt, StageChange
from recruiting.permissions import ensure_admin
from recruiting.services import application_clock_recompute

from ..models import Candidate

User = AbstractBaseUser

MERGED_RESOLUTION = "Merged into the candidate's other record"


def _application_fold(*, duplicate: Application, keeper: Application) -> None:
    """Two applications of one person for the same job: the kept one takes the other's history."""
    RecruiterPrompt.objects.filter(application=duplicate, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution=MERGED_RESOLUTION
    )
    for model in (StageChange, ContactEvent, RecruiterPrompt, OutboundMessage):
        model.objects.filter(application=duplicate).update(application=keeper)
    informed = [at for at in (keeper.last_informed_at, duplicate.last_informed_at) if at is not None]
    if informed and max(informed) != keeper.last_informed_at:
        keeper.last_informed_at = max(informed)
        keeper.save(update_fields=["last_informed_at"])
    duplicate.delete()


@transaction.atomic
def candidates_merge(*, keep: Candidate, merge: Candidate, by: User | None) -> Candidate:
    """Move everything of `merge` onto `keep`, then delete `merge`. Admins only.

    The kept record's details and preferences win, except that a "do not contact" or a pause on either
    record is kept: the person asked for it, whichever record they asked on.
    """
    ensure_admin(by, "merge candidates")
    if keep.pk == merge.pk:
        raise ValidationError("Choose two different candidates to merge.")
    keep, merge = (
        Candidate.objects.select_for_update().get(pk=keep.pk),
        Candidate.objects.select_for_update().get(pk=merge.pk),
    )
    if keep.erased_at or merge.erased_at:
        raise ValidationError("An erased candidate cannot be merged.")
    kept_by_job = {application.job_id: application for application in keep.applications.select_for_update()}
    folded = moved = 0
    for application in merge.applications.select_for_update().order_by("pk"):
        if application.job_id in kept_by_job:
            _application_fold(duplicate=application, keeper=kept_by_job[application.job_id])
            folded += 1
        else:
            application.candidate = keep
            application.save(update_fields=["candidate"])
            moved += 1
    OutboundMessage.objects.filter(candidate=merge).update(candidate=keep)
    if merge.do_not_contact and not keep.do_not_contact:
        keep.do_not_contact, keep.do_not_contact_at = True, merge.do_not_contact_at
        keep.do_not_contact_reason = merge.do_not_contact_reason
    keep.automated_updates_paused = keep.automated_updates_paused or merge.automated_updates_paused
    keep.save()
    merged_pk = merge.pk
    merge.delete()
    for application in keep.applications.select_related("candidate"):
        application_clock_recompute(application=application)
    audit_log_record(
        actor=by,
        action="candidate.merge",
        obj=keep,
        details={"merged": merged_pk, "applications_moved": moved, "applications_folded": folded},
    )
    return keep
