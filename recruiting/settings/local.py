"""Development and the embedded default of `make run`: SQLite and the filesystem broker unless set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "local-only-insecure-key-not-for-production"  # noqa: F405
# Without a mail server configured, mail lands in files under the run folder (and in the outbox page).
MAILERS = {
    "default": mailer_from_env(  # noqa: F405
        {"BACKEND": "django.core.mail.backends.filebased.EmailBackend", "OPTIONS": {"file_path": str(RUN_DIR / "mail")}}  # noqa: F405
    )
}

# The embedded default keeps its database, broker queue and mail files under one folder.
RUN_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
