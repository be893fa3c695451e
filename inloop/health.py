"""`/healthz`: is this web process able to do its work, and what is it doing without?

The database is the one thing a request cannot do without: when it does not answer, the check answers
503 and a load balancer takes the process out. The cache (rate-limit counters, job-close progress) and the
broker (the wake-up after a commit; the outbox stays the truth) are checked too, each within a short
timeout: when one is down the site still works, degraded, so the answer is 200 with `"status": "degraded"`
and the part that is down named, and a warning goes to the log for the operator.
"""

import logging
import threading
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from inloop.celery import app as celery_app

logger = logging.getLogger(__name__)

# Each optional check gets this long; they run side by side, so the page answers within about this long.
CHECK_TIMEOUT_SECONDS = 1.0
OK, DOWN = "ok", "down"


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 (any failure means no database)
        logger.exception("Health check: the database does not answer.")
        return False
    return True


def _cache_answers() -> None:
    key, value = f"inloop:healthz:{uuid.uuid4().hex}", "ok"
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was just stored in it")
    cache.delete(key)


def _broker_answers() -> None:
    with celery_app.connection_for_write(connect_timeout=CHECK_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=CHECK_TIMEOUT_SECONDS)


class _Check(threading.Thread):
    """One optional check in a daemon thread, so that a service that hangs cannot hold the answer up."""

    def __init__(self, name: str, check: Callable[[], None]) -> None:
        super().__init__(name=f"healthz-{name}", daemon=True)
        self.check_name = name
        self._check = check
        self.error: BaseException | None = None
        self.passed = False

    def run(self) -> None:
        try:
            self._check()
        except Exception as error:  # noqa: BLE001 (the check reports every failure as "down")
            self.error = error
        else:
            self.passed = True


def _optional_checks(checks: dict[str, Callable[[], None]]) -> dict[str, str]:
    running = [_Check(name, check) for name, check in checks.items()]
    for check in running:
        check.start()
    results = {}
    for check in running:
        check.join(CHECK_TIMEOUT_SECONDS)
        results[check.check_name] = OK if check.passed else DOWN
        if not check.passed:
            why = type(check.error).__name__ if check.error else f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"
            logger.warning(
                "Health check: the %s is down (%s); the site works without it, degraded.", check.check_name, why
            )
    return results


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    if not _database_answers():
        return JsonResponse({"status": DOWN, "database": DOWN}, status=503)
    parts = {"database": OK, **_optional_checks({"cache": _cache_answers, "broker": _broker_answers})}
    status = OK if all(value == OK for value in parts.values()) else "degraded"
    return JsonResponse({"status": status, **parts})
