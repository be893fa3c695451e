"""A fresh signed link to the status page, emailed to the candidate: the candidates app retires the old
links (candidates.services.links), the outbox writes the email."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from candidates import links
from candidates.models import Candidate
from candidates.services.links import candidate_links_retire
from notifications.services.outbox import message_queue

User = AbstractBaseUser


@transaction.atomic
def candidate_link_rotate(*, candidate: Candidate, by: User | None) -> Candidate:
    """Retire every signed link the candidate holds and email them a fresh one.

    `by=None` when the candidate asks on their page (a link they think went astray, or one that
    expired); a recruiter may do it for them. The email goes to the address on file, never to whoever
    made the request.
    """
    candidate = candidate_links_retire(candidate=candidate, by=by)
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
