"""Which candidates a kept Idempotency-Key answer is about, and erasing those answers with the candidate.

An answer kept for replay holds what the API answered: a candidate's name and address, an application's
notes. Each is linked, when kept, to the candidates it names (a candidate's own record, or any record
carrying a candidate_id or an application_id), so that a candidate's erasure removes them at once instead
of leaving them for INLOOP_API_IDEMPOTENCY_DAYS.
"""

import json
from collections.abc import Iterable

from django.db import transaction

from api.models import IdempotentAnswerCandidate, IdempotentRequest
from recruiting.models import Application

CANDIDATES_PATH = "/api/v1/candidates"


def _ids_under(value, key: str) -> set[int]:
    """Every integer held under `key`, however deep in the answer's JSON."""
    found: set[int] = set()
    if isinstance(value, dict):
        for name, inner in value.items():
            if name == key and isinstance(inner, int) and not isinstance(inner, bool):
                found.add(inner)
            else:
                found |= _ids_under(inner, key)
    elif isinstance(value, list):
        for inner in value:
            found |= _ids_under(inner, key)
    return found


def answer_candidate_ids(*, path: str, body: bytes) -> set[int]:
    """The candidates an answer to `path` is about (at most one query, for the applications it names)."""
    try:
        answer = json.loads(body or b"null")
    except ValueError:
        return set()
    candidate_ids = _ids_under(answer, "candidate_id")
    if path.startswith(CANDIDATES_PATH) and isinstance(answer, dict) and isinstance(answer.get("id"), int):
        candidate_ids.add(answer["id"])
    application_ids = _ids_under(answer, "application_id")
    if path.startswith("/api/v1/applications") and isinstance(answer, dict) and isinstance(answer.get("id"), int):
        application_ids.add(answer["id"])
    if application_ids:
        candidate_ids |= set(Application.objects.filter(pk__in=application_ids).values_list("candidate_id", flat=True))
    return candidate_ids


def answer_candidates_link(*, answer: IdempotentRequest, path: str) -> None:
    """Link a kept answer to the candidates it is about (in the request's transaction)."""
    candidate_ids = answer_candidate_ids(path=path, body=bytes(answer.body))
    IdempotentAnswerCandidate.objects.bulk_create(
        [IdempotentAnswerCandidate(answer=answer, candidate_id=pk) for pk in sorted(candidate_ids)]
    )


@transaction.atomic
def idempotency_answers_erase(*, candidate_ids: Iterable[int]) -> int:
    """Erase the kept answers about these candidates (their retries then run as new requests, which the
    erased records refuse or answer without the erased data); how many were erased."""
    about = IdempotentAnswerCandidate.objects.filter(candidate_id__in=list(candidate_ids)).values("answer_id")
    deleted, by_model = IdempotentRequest.objects.filter(pk__in=about).delete()
    return by_model.get(IdempotentRequest._meta.label, 0)
