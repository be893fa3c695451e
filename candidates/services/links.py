"""A fresh signed link to the status page, emailed to the candidate: the one write of the candidates
app that sends mail (through the outbox), hence above notifications in the layers."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from candidates import links
from candidates.models import Candidate
from notifications.services.outbox import message_queue
from recruiting.audit import audit_log_record
from recruiting.permissions import ensure_can_act

User = AbstractBaseUser


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
    message_queue(
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
