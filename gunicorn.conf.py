"""gunicorn's settings for the Inloop web server: the image's command and compose both read this file.

Every value that matters under load is set here rather than left to gunicorn's defaults, and each can be
changed from the environment. Long work (closing a big job, imports, sending) belongs in Celery; the
request timeout is the backstop for a request that hangs, not a budget for slow pages.
"""

import os


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if value < 1:
        raise ValueError(f"{name} must be a positive whole number, not {raw!r}")
    return value


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Synchronous workers: each handles one request at a time. Two per core and one more is gunicorn's advice.
workers = _positive_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)
# A worker silent for this long is killed and replaced: a hung request cannot hold a worker for ever.
timeout = _positive_int("GUNICORN_TIMEOUT", 30)
# On a restart or stop, requests under way get this long to finish (compose's stop_grace_period is longer).
graceful_timeout = _positive_int("GUNICORN_GRACEFUL_TIMEOUT", 25)
# Idle keep-alive connections from the reverse proxy are closed after this long.
keepalive = _positive_int("GUNICORN_KEEPALIVE", 5)
accesslog = "-"
errorlog = "-"
