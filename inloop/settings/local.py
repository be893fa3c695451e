"""Development and the embedded default of `make run`: SQLite and the filesystem broker unless set."""

from pathlib import Path

from inloop.settings.base import *  # noqa: F403
from inloop.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "local-only-insecure-key-not-for-production"  # noqa: F405
# Without a mail server configured, mail lands in files under the run folder (and in the outbox page).
MAILERS = {
    "default": mailer_from_env(  # noqa: F405
        {"BACKEND": "django.core.mail.backends.filebased.EmailBackend", "OPTIONS": {"file_path": str(RUN_DIR / "mail")}}  # noqa: F405
    )
}

# The embedded default keeps its database, broker queue, task results and mail files under one folder.
# Neither kombu's filesystem transport nor Celery's file result backend creates its folders.
RUN_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
if CELERY_BROKER_URL.startswith("filesystem"):  # noqa: F405
    for _folder in ("data_folder_in", "processed_folder", "control_folder"):
        Path(CELERY_BROKER_TRANSPORT_OPTIONS[_folder]).mkdir(parents=True, exist_ok=True)  # noqa: F405
if CELERY_RESULT_BACKEND.startswith("file://"):  # noqa: F405
    Path(CELERY_RESULT_BACKEND.removeprefix("file://")).mkdir(parents=True, exist_ok=True)  # noqa: F405
