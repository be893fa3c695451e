"""A small fixed-window limit on the candidate pages' POSTs, kept in Django's cache.

Counted twice, per link and per client address, so that neither one link hammered from many places
nor one place trying many links gets far. The address limit is looser: candidates behind one office
or mobile network share an address. Behind a reverse proxy, INLOOP_TRUSTED_PROXY_COUNT says how many
proxies append to X-Forwarded-For, or every candidate would share the proxy's address. The cache must
be shared between web processes for the limit to hold across them (a Redis cache in production); a
per-process cache still bounds each one.

When the cache is down the limit fails open: a candidate's unsubscribe, pause or do-not-contact is worth
more than the limit, and must be recorded whatever the cache does (recruiting.ratelimit logs the outage).
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recruiting.ratelimit import client_address, over_limit

WINDOW_SECONDS = 60 * 60


def _link_limit() -> int:
    return settings.INLOOP_CANDIDATE_POSTS_PER_HOUR


def _address_limit() -> int:
    return getattr(settings, "INLOOP_CANDIDATE_POSTS_PER_HOUR_PER_ADDRESS", 5 * _link_limit())


def candidate_post_allowed(request: HttpRequest, token: str) -> bool:
    """Count this POST; False once either its link or its address went over the hourly limit."""
    token_key = "inloop:candidate-post:token:" + hashlib.sha256(token.encode()).hexdigest()
    address_key = "inloop:candidate-post:ip:" + client_address(request)
    over_token = over_limit(token_key, limit=_link_limit(), window_seconds=WINDOW_SECONDS)
    over_address = over_limit(address_key, limit=_address_limit(), window_seconds=WINDOW_SECONDS)
    return not (over_token or over_address)


def rate_limited_post(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 429 with a friendly page once a link or an address sent too many POSTs this hour."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and not candidate_post_allowed(request, token):
            response = render(request, "candidates/too_many_requests.html", status=429)
            response["Retry-After"] = str(WINDOW_SECONDS)
            return response
        return view(request, token, *args, **kwargs)

    return wrapper
