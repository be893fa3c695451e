"""The API's part of a person's erasure: the answers kept to replay Idempotency-Key requests and the
webhook events may name the person. The answers about an erased candidate are deleted (their retries
run as new requests), and whatever is left loses the person's strings like every other app's tables.
Subscribers of candidates.events (inloop/subscriptions.py)."""

from collections.abc import Mapping, Sequence

from api.idempotency import idempotency_answers_erase
from api.models import IdempotentAnswerCandidate
from candidates.events import DataRightsPart
from recruiting.personal_data import PersonalData, tables_sweep


def candidate_rows_erase(
    *, candidate_id: int, application_ids: Sequence[int], personal: PersonalData, erased_address: str, reason: str
) -> DataRightsPart:
    """The answers kept for Idempotency-Key retries that name the candidate, deleted."""
    return DataRightsPart(counts={"idempotent_answers": idempotency_answers_erase(candidate_ids=[candidate_id])})


def personal_data_sweep(*, personal: PersonalData) -> int:
    """The person's strings replaced wherever left in the API's tables; how many rows changed."""
    return tables_sweep(app_label="api", personal=personal)


def candidates_merge(*, keep_id: int, merge_id: int, folded: Mapping[int, int]) -> int:
    """The kept answers that named the merged record now name the one kept (its erasure erases them)."""
    links = IdempotentAnswerCandidate.objects.filter(candidate_id=merge_id)
    kept = IdempotentAnswerCandidate.objects.filter(candidate_id=keep_id).values("answer_id")
    links.filter(answer_id__in=kept).delete()
    return links.update(candidate_id=keep_id)
