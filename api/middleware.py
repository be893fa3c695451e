"""The API's middleware: every error under /api/v1/ a problem, and Idempotency-Key on every POST.

A POST with the header runs in one transaction with its record (key and user, the request's hash and the
answer): a retry of the same request gets the stored answer back (header Idempotent-Replayed: true) and
nothing is done twice; the same key with another request is a 409 problem. Two requests with one key at
once: the second waits on the first's row (the database's unique constraint) and then replays its answer.
A server error stores nothing, so the request may be retried. Answers are kept for
INLOOP_API_IDEMPOTENCY_DAYS days.
"""

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from api.idempotency import answer_candidates_link
from api.keys import api_key_user
from api.models import IdempotentRequest
from api.problems import PROBLEM_TYPE, problem_response

API_PREFIX = "/api/v1/"
HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 200
# Answers that say nothing about the request itself are not kept: the key may be used again.
NOT_KEPT = (401, 429)


def _request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path(), request.content_type or ""):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotentRequest, request_hash: str, path: str) -> HttpResponse:
    if record.request_hash != request_hash:
        return problem_response(
            status=409,
            detail="This Idempotency-Key was used with another request; use a new key for a new request.",
            instance=path,
        )
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


class ApiMiddleware:
    """Under /api/v1/: Idempotency-Key on POSTs, and every error a problem, those answered before the API
    is reached included (the NUL guard, the CSRF check of a wrong address)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            response = self._idempotent(request)
        except RequestDataTooBig:
            # Read for the Idempotency-Key's hash before the API sees it: answered here, as a problem.
            return problem_response(
                status=413,
                detail=f"The request body is larger than the API takes ({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes).",
                instance=request.path,
            )
        if response.status_code >= 400 and response.get("Content-Type") != PROBLEM_TYPE:
            problem = problem_response(
                status=response.status_code,
                detail="The API could not take this request.",
                instance=request.path,
                headers={name: response[name] for name in ("Allow", "Retry-After") if response.has_header(name)},
            )
            return problem
        return response

    def _idempotent(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER)
        if request.method != "POST" or key is None:
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH:
            return problem_response(
                status=400, detail=f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} characters.", instance=request.path
            )
        user = api_key_user(request.META.get("HTTP_AUTHORIZATION", ""))
        if user is None:
            # Not signed in: the API answers 401 without doing anything.
            return self.get_response(request)
        request_hash = _request_hash(request)
        kept_since = timezone.now() - timedelta(days=settings.INLOOP_API_IDEMPOTENCY_DAYS)
        IdempotentRequest.objects.filter(user=user, key=key, created_at__lt=kept_since).delete()
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.filter(user=user, key=key).first()
                if record is not None:
                    return _replay(record, request_hash, request.path)
                # Inserted first: a concurrent request with the same key waits here until this one ends.
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(
                        user=user, key=key, request_hash=request_hash, status_code=0, content_type="", body=b""
                    )
                response = self.get_response(request)
                if response.status_code >= 500 or response.status_code in NOT_KEPT or response.streaming:
                    transaction.set_rollback(True)
                    return response
                record.status_code = response.status_code
                record.content_type = response.get("Content-Type", "application/json")
                record.body = response.content
                record.save(update_fields=["status_code", "content_type", "body"])
                answer_candidates_link(answer=record, path=request.path)
                return response
        except IntegrityError:
            record = IdempotentRequest.objects.filter(user=user, key=key).first()
            if record is None:
                raise
            return _replay(record, request_hash, request.path)


def idempotent_requests_purge() -> int:
    """Forget the answers kept longer than INLOOP_API_IDEMPOTENCY_DAYS (they hold what the requests
    carried, personal data included); how many were forgotten."""
    kept_since = timezone.now() - timedelta(days=settings.INLOOP_API_IDEMPOTENCY_DAYS)
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lt=kept_since).delete()
    return deleted
