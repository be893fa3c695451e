"""Development and the embedded default of `make run`: SQLite and the filesystem broker unless set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "local-only-insecure-key-not-for-production"  # noqa: F405
if not env.str("EMAIL_URL", default="") and not env.str("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"

# The embedded default keeps its database, broker queue and mail files under one folder.
RUN_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
