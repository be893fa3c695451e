"""A small fixed-window limit on the candidate pages' POSTs, kept in Django's cache.

Counted twice, per link and per client address, so that neither one link hammered from many places
nor one place trying many links gets far. The address limit is looser: candidates behind one office
or mobile network share an address. Behind a reverse proxy, INLOOP_TRUSTED_PROXY_COUNT says how many
proxies append to X-Forwarded-For, or every candidate would share the proxy's address. The cache must
be shared between web processes for the limit to hold across them (a Redis cache in production); a
per-process cache still bounds each one.
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recruiting.ratelimit import client_address

WINDOW_SECONDS = 60 * 60


def _link_limit() -> int:
    return settings.INLOOP_CANDIDATE_POSTS_PER_HOUR


def _address_limit() -> int:
    return getattr(settings, "INLOOP_CANDIDATE_POSTS_PER_HOUR_PER_ADDRESS", 5 * _link_limit())


def _hit(key: str) -> int:
    # add() is a no-op when the key exists, so the window starts at the first hit and is never extended.
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:
        # The key expired between add() and incr(): this hit opens a new window.
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


def candidate_post_allowed(request: HttpRequest, token: str) -> bool:
    """Count this POST; False once either its link or its address went over the hourly limit."""
    token_key = "inloop:candidate-post:token:" + hashlib.sha256(token.encode()).hexdigest()
    address_key = "inloop:candidate-post:ip:" + client_address(request)
    over_token = _hit(token_key) > _link_limit()
    over_address = _hit(address_key) > _address_limit()
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
