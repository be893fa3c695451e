"""Joining two records of the same person into one: what the admin's "merge two candidates" runs.

Above notifications in the layers because a candidate's outbox rows move with them. Nothing is lost:
applications, their history, contacts, prompts, safety nets, the client's chases and answers, messages and
replies all end on the record that is kept, each app moving its own rows through its own service; the
kept record remembers the other's details (its erasure must find what was written to them); the other
record is then deleted (its audit rows stay, naming the record it was merged into).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from candidates.models import Candidate
from notifications.services import merge as notification_merge
from recruiting.audit import audit_log_record
from recruiting.models import Application
from recruiting.permissions import ensure_admin
from recruiting.services import application_clock_recompute
from recruiting.services.applications import application_delete_folded, application_history_fold

User = AbstractBaseUser


def _application_fold(*, duplicate: Application, keeper: Application) -> None:
    """Two applications of one person for the same job: the kept one takes everything of the other."""
    application_history_fold(duplicate=duplicate, keeper=keeper)
    notification_merge.messages_application_fold(duplicate_id=duplicate.pk, keeper_id=keeper.pk)
    application_delete_folded(duplicate=duplicate)


def _details(candidate: Candidate) -> list[dict[str, str]]:
    """The record's identifying details, and those of every record merged into it before."""
    own = {key: getattr(candidate, key) for key in ("first_name", "last_name", "email", "phone")}
    return [own, *candidate.merged_details]


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
    notification_merge.messages_candidate_move(from_candidate_id=merge.pk, to_candidate_id=keep.pk)
    keep.merged_details = [*keep.merged_details, *_details(merge)]
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
