"""Settings for P2's comparison run of django-post-office's `send_queued_mail`.

Used only inside the separate benchmark environment (.run/bench-venv), never by the product. The
database and the SMTP sink come from the environment the benchmark hands over; post-office keeps its
own defaults (batch of 100, five sending threads per process, a log row per message).
"""

import os
import tempfile
from urllib.parse import urlsplit

_db = urlsplit(os.environ["DATABASE_URL"])

SECRET_KEY = "benchmark-only-key-for-the-post-office-comparison-run"  # noqa: S105 (no secret to keep here)
DEBUG = False
USE_TZ = True
INSTALLED_APPS = ["django.contrib.contenttypes", "post_office"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "HOST": _db.hostname,
        "PORT": _db.port or 5432,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": int(os.environ["EMAIL_PORT"]), "timeout": 10},
    }
}
DEFAULT_FROM_EMAIL = "Inloop <inloop@firm.example>"
POST_OFFICE = {"LOCK_FILE_NAME": os.path.join(tempfile.gettempdir(), "inloop-bench-post-office")}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
