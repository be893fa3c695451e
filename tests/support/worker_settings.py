"""Settings of a Celery worker started by an integration test (tests/support/processes.py).

The test settings as they are: with EMAIL_HOST / EMAIL_PORT / EMAIL_TIMEOUT in the environment their
default mailer is the phase-aware SMTP backend pointed at the sink. On top, the outbox's timings can be
overridden from the environment so that a drill runs in seconds, not hours.
"""

from recruiting.settings.test import *  # noqa: F403
from recruiting.settings.test import env

INLOOP_OUTBOX_LEASE_SECONDS = env.int("INLOOP_OUTBOX_LEASE_SECONDS", default=330)
INLOOP_OUTBOX_RETRY_BASE_SECONDS = env.float("INLOOP_OUTBOX_RETRY_BASE_SECONDS", default=60)
INLOOP_OUTBOX_MAX_ATTEMPTS = env.int("INLOOP_OUTBOX_MAX_ATTEMPTS", default=8)
