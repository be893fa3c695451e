"""Fixed-window counters in Django's cache, the client address that address-based limits key on, and the
fail-open reads and writes of anything else the cache keeps that may be lost (a job closing's progress).

A limit is there to slow abuse down; it must never stand between a person and what they asked for. When
the cache does not answer, a counter counts nothing and its caller lets the request through (it fails
open). The outage is logged as one warning when it is first met, and one line when the cache answers
again, rather than once per request. The cache must be shared by every web process (Redis in
production) for a limit to hold across them.
"""

import ipaddress
import logging
import threading

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

logger = logging.getLogger(__name__)

_outage_lock = threading.Lock()
_cache_down = False


def _is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the entry our own proxies added to X-Forwarded-For.

    INLOOP_TRUSTED_PROXY_COUNT says how many reverse proxies of ours append to X-Forwarded-For. Only the
    entries they appended are believed; anything to their left was sent by the client and could be made
    up. An entry that is not an IP address (a misconfigured proxy) is not believed either: the
    connection's address is used, which errs towards limiting more, not less.
    """
    proxies = settings.INLOOP_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies and _is_ip_address(forwarded[-proxies]):
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"


def login_client_address(request: HttpRequest) -> str | None:
    """client_address for django-axes (AXES_CLIENT_IP_CALLABLE), which stores it in an IP address column."""
    address = client_address(request)
    return address if _is_ip_address(address) else None


def _cache_failed(error: Exception) -> None:
    global _cache_down
    with _outage_lock:
        first = not _cache_down
        _cache_down = True
    if first:
        logger.warning(
            "The cache is not answering (%s): rate limits are not counted, and requests are let through, "
            "until it does.",
            type(error).__name__,
        )


def _cache_answered() -> None:
    global _cache_down
    with _outage_lock:
        recovered = _cache_down
        _cache_down = False
    if recovered:
        logger.warning("The cache answers again: rate limits are counted again.")


def lossy_set(key: str, value: object, *, timeout: int) -> bool:
    """Keep `value` in the cache for what may be lost (a progress figure); False when the cache did not answer."""
    try:
        cache.set(key, value, timeout=timeout)
    except Exception as error:  # noqa: BLE001 (whatever the cache raises, the caller goes on without it)
        _cache_failed(error)
        return False
    _cache_answered()
    return True


def lossy_get(key: str) -> object | None:
    """What lossy_set kept under `key`: None when nothing is kept or the cache did not answer."""
    try:
        value = cache.get(key)
    except Exception as error:  # noqa: BLE001
        _cache_failed(error)
        return None
    _cache_answered()
    return value


def lossy_delete(key: str) -> bool:
    """Forget what is kept under `key`; False when the cache did not answer (it is kept until it expires)."""
    try:
        cache.delete(key)
    except Exception as error:  # noqa: BLE001
        _cache_failed(error)
        return False
    _cache_answered()
    return True


def _redis_window_hit(backend: RedisCache, key: str, window_seconds: int) -> int:
    """window_hit on Redis in one round trip: the key made with its window's expiry if it is not there
    (SET NX EX), then counted (INCR), in one MULTI so that it cannot expire in between (the add, check
    and incr of Django's cache are three round trips)."""
    key = backend.make_and_validate_key(key)
    pipeline = backend._cache.get_client(key, write=True).pipeline(transaction=True)
    pipeline.set(key, 0, ex=window_seconds, nx=True)
    pipeline.incr(key)
    return int(pipeline.execute()[1])


def window_hit(key: str, *, window_seconds: int) -> int | None:
    """Count one hit on `key`; the hits in its window so far, or None when the cache did not answer.

    The window starts at the key's first hit and is never extended by later ones.
    """
    try:
        backend = caches["default"]
        count = _redis_window_hit(backend, key, window_seconds) if isinstance(backend, RedisCache) else None
        if count is None:
            # add() is a no-op when the key exists.
            cache.add(key, 0, timeout=window_seconds)
            try:
                count = cache.incr(key)
            except ValueError:
                # The key expired between add() and incr(): this hit opens a new window.
                cache.set(key, 1, timeout=window_seconds)
                count = 1
    except Exception as error:  # noqa: BLE001 (whatever the cache raises, the request goes on)
        _cache_failed(error)
        return None
    _cache_answered()
    return count


def over_limit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`: True once it has had more than `limit` in its window (never when the cache is down)."""
    count = window_hit(key, window_seconds=window_seconds)
    return count is not None and count > limit
