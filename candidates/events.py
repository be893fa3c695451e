"""The events the candidates app publishes: a candidate's wishes about being contacted changed, and a
person's data rights or a merge reaching other apps' rows.

The candidates app runs a person's export, erasure and merge, and each app handles its own rows: the
pipeline's by a direct call (it sits below), the apps above (notifications, the API) as subscribers of
these events, listed in inloop/subscriptions.py. They are published with recruiting.events.publish,
inside the caller's transaction; each subscriber is called with the event's fields as keyword arguments
and its answer is described on the event.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser

from candidates.models import Candidate
from recruiting.personal_data import PersonalData

# (object type "app_label.model", ids): objects whose log rows are about the person.
Refs = Sequence[tuple[str, Iterable[int]]]


@dataclass(frozen=True)
class DataRightsPart:
    """One app's answer to an export or an erasure: its sections of the export, its objects whose log rows
    are about the person (an erasure scrubs their audit and admin-log rows, an export lists their admin-log
    rows), and counts for the erasure's audit record."""

    sections: Mapping[str, object] = field(default_factory=dict)
    refs: Refs = ()
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CandidateAddressesAsked:
    """Each subscriber returns the addresses it wrote to the candidate at (corrected since or not)."""

    candidate_id: int


@dataclass(frozen=True)
class HiringManagerAddressesAsked:
    """Each subscriber returns the addresses it wrote to the hiring manager at (changed since or not)."""

    hiring_manager_id: int


@dataclass(frozen=True)
class CandidateExporting:
    """The candidate's copy of their data: each subscriber returns a DataRightsPart with its sections.
    `application_ids` is a query (each app reads its rows in the query that reads them)."""

    candidate_id: int
    application_ids: Iterable[int]
    personal: PersonalData


@dataclass(frozen=True)
class CandidateErasing:
    """The candidate is being erased: each subscriber empties its rows about them (addresses become
    `erased_address`, cancellations say `reason`) and returns a DataRightsPart (refs, counts)."""

    candidate_id: int
    application_ids: Sequence[int]
    personal: PersonalData
    erased_address: str
    reason: str


@dataclass(frozen=True)
class HiringManagerErasing:
    """A client's hiring manager is being erased: like CandidateErasing, for what was written to them and
    from them."""

    hiring_manager_id: int
    personal: PersonalData
    erased_address: str
    reason: str


@dataclass(frozen=True)
class PersonalDataSweeping:
    """The sweep every erasure ends with, whoever the person: each subscriber replaces the person's strings
    wherever they are left in its own tables (recruiting.personal_data.tables_sweep) and in whatever else
    it keeps, and returns how many rows changed."""

    personal: PersonalData


@dataclass(frozen=True)
class CandidatesMerging:
    """Two records of one person become one: each subscriber moves its rows from the candidate `merge_id`
    to `keep_id`, and from each folded application to the one it is folded into (`folded`: duplicate id
    -> kept id), before the merged record and the folded applications are deleted. Returns rows moved."""

    keep_id: int
    merge_id: int
    folded: Mapping[int, int]


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
