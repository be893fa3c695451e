"""Retiring a candidate's signed links: the candidates app's part of sending them a fresh one (the email
itself is notifications.services.status_links.candidate_link_rotate)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from candidates.models import Candidate
from recruiting.audit import audit_log_record
from recruiting.permissions import ensure_can_act

User = AbstractBaseUser


@transaction.atomic
def candidate_links_retire(*, candidate: Candidate, by: User | None) -> Candidate:
    """Retire every signed link the candidate holds (a new link version); the candidate, re-read.

    `by=None` when the candidate asks on their page; a recruiter may do it for them, for a candidate of
    theirs.
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
    return candidate
