"""The named events the candidates app publishes: a candidate's wishes about being contacted changed.

Published with `recruiting.events.publish` inside the transaction that writes the change; who listens is
written in `inloop/subscriptions.py`.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from candidates.models import Candidate


@dataclass(frozen=True)
class CandidatePreferencesChanged:
    """A candidate paused (or resumed) automated updates, or asked not to be contacted (or took it back).

    `automated_updates_paused` and `do_not_contact` are the new values of those that changed, None for
    those that did not; `unsubscribed` when the pause came from the one-click unsubscribe link; `source`
    "candidate" (their own page or link) or "recruiter" (`by`)."""

    candidate: Candidate
    by: AbstractBaseUser | None
    source: str
    automated_updates_paused: bool | None
    do_not_contact: bool | None
    reason: str
    unsubscribed: bool
