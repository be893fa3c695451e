"""Bearer authentication by API key, the per-key rate limit, and the audit context of a write."""

import math
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from api.keys import api_key_authenticate
from api.models import ApiKey
from recruiting.audit import audit_context
from recruiting.ratelimit import window_hit


class RateLimited(Exception):  # noqa: N818 (named for what the client is told)
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def rate_limit_retry_after(api_key: ApiKey) -> int | None:
    """Count one request of `api_key`; the seconds to wait when it is over its limit, else None.

    Fixed windows aligned on the clock, so that the wait is known; the counter lives in the shared cache
    (recruiting.ratelimit), and when the cache does not answer the request goes through.
    """
    window = settings.INLOOP_API_RATE_WINDOW_SECONDS
    now = timezone.now().timestamp()
    bucket = int(now // window)
    count = window_hit(f"api-rate:{api_key.pk}:{bucket}", window_seconds=window)
    if count is None or count <= settings.INLOOP_API_RATE_LIMIT:
        return None
    return max(1, math.ceil((bucket + 1) * window - now))


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>`: the request acts as the key's user, with that user's permissions."""

    def __call__(self, request: HttpRequest) -> ApiKey | None:
        # Read here rather than by the base class, which logs another scheme's whole header (a password
        # sent with Basic, say) as an error when DEBUG is on.
        scheme, _, token = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme or not token.strip():
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        api_key = api_key_authenticate(token)
        if api_key is None:
            return None
        retry_after = rate_limit_retry_after(api_key)
        if retry_after is not None:
            raise RateLimited(retry_after)
        request.user = api_key.user
        return api_key


@contextmanager
def writing(request: HttpRequest, *, atomic: bool = True) -> Iterator[None]:
    """One write of the API: atomic (a create and its external id commit together), and every audit row
    written in it names the key it came through. `atomic=False` for a write that is one service call,
    atomic by itself: its transaction is the request's then, without a savepoint inside another."""
    api_key: ApiKey = request.auth
    with transaction.atomic() if atomic else nullcontext(), audit_context(api_key=api_key.label):
        yield
