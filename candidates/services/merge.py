"""Joining two records of the same person into one: what the admin's "merge two candidates" runs.

Nothing is lost: applications, their history, contacts, prompts, safety nets, the client's chases and
answers, messages and replies all end on the record that is kept, each app moving its own rows through
its own service: the pipeline's by a direct call (recruiting.services.applications), the apps above as
subscribers of candidates.events.CandidatesMerging. The kept record remembers the other's details (its
erasure must find what was written to them); the other record is then deleted (its audit rows stay,
naming the record it was merged into).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from candidates.events import CandidatesMerging
from candidates.models import Candidate
from recruiting import events
from recruiting.audit import audit_log_record
from recruiting.permissions import ensure_admin
from recruiting.services import application_clock_recompute
from recruiting.services.application_merge import applications_delete_folded, applications_merge

User = AbstractBaseUser


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
    applications = applications_merge(keep_id=keep.pk, merge_id=merge.pk)
    events.publish(CandidatesMerging(keep_id=keep.pk, merge_id=merge.pk, folded=applications.folded))
    applications_delete_folded(duplicate_ids=applications.folded)
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
        details={
            "merged": merged_pk,
            "applications_moved": applications.moved,
            "applications_folded": len(applications.folded),
        },
    )
    return keep
