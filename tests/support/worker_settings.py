"""Settings of a Celery worker started by an integration test (tests/support/processes.py).

The test settings, with mail going over real SMTP (the phase-aware backend) to the host and port in
the environment, and the outbox's timings overridable so that a drill runs in seconds, not hours.
"""

from recruiting.settings.test import *  # noqa: F403
from recruiting.settings.test import env

EMAIL_BACKEND = "notifications.backends.SMTPBackend"
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=3)
INLOOP_OUTBOX_LEASE_SECONDS = env.int("INLOOP_OUTBOX_LEASE_SECONDS", default=330)
INLOOP_OUTBOX_RETRY_BASE_SECONDS = env.float("INLOOP_OUTBOX_RETRY_BASE_SECONDS", default=60)
INLOOP_OUTBOX_MAX_ATTEMPTS = env.int("INLOOP_OUTBOX_MAX_ATTEMPTS", default=8)
