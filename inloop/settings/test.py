"""Tests: the local PostgreSQL and Redis when they answer (always on development and CI machines).

With INLOOP_REQUIRE_SERVICES=1 (CI) a missing service is an error; otherwise the suite falls back to
SQLite and the tests that need PostgreSQL or Redis skip.
"""

import socket
import sys

from inloop.settings.base import *  # noqa: F403
from inloop.settings.base import REDIS_TRANSPORT_OPTIONS, RUN_DIR, TEMPLATES, env

REQUIRE_SERVICES = env.bool("INLOOP_REQUIRE_SERVICES", default=False)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


POSTGRES_AVAILABLE = REQUIRE_SERVICES or _answers("127.0.0.1", 5432)
REDIS_AVAILABLE = REQUIRE_SERVICES or _answers("127.0.0.1", 6379)

SECRET_KEY = "test-only-secret-key-with-enough-length-and-entropy-0123456789"
DEBUG = False
# INLOOP_TEST_DATABASE=sqlite runs on SQLite even where PostgreSQL answers (tests/test_hostile_urlconf.py).
if POSTGRES_AVAILABLE and env.str("INLOOP_TEST_DATABASE", default="") != "sqlite":
    DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/inloop")}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(RUN_DIR / "test.sqlite3")}}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
CELERY_RESULT_BACKEND = ""
# Unit tests read mail from the in-memory outbox; integration tests start workers with EMAIL_HOST/EMAIL_PORT
# pointing at a local SMTP sink.
MAILERS = {"default": mailer_from_env({"BACKEND": "django.core.mail.backends.locmem.EmailBackend"})}  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
INLOOP_BASE_URL = "http://testserver"
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True


class UndefinedTemplateVariable(Exception):
    """A variable in one of our own templates did not resolve."""


class _LoudInvalid(str):
    """The engine's string_if_invalid: raises where Django would print nothing.

    Django formats string_if_invalid with the variable's name when it holds "%s" (a name that does not resolve);
    a related object that does not exist or a method that needs arguments is rendered as the string itself.
    Both raise here, so a page that would silently drop a value (or, through a filter's argument, answer 500
    in production) fails its test instead.
    """

    def __mod__(self, name):
        context = sys._getframe(1).f_locals.get("context")
        where = getattr(context, "template_name", None) or "a template"
        raise UndefinedTemplateVariable(f"{{{{ {name} }}}} does not resolve in {where}")

    def __str__(self):
        raise UndefinedTemplateVariable("a related object that does not exist, or a method that needs arguments")


# Our own templates (the project's templates/ folder, the only one: the apps have none of their own) fail loudly
# on a variable that does not resolve. They get an engine of their own, listed first so that every name it
# holds is found there; everything else (the admin, crispy-forms, django-tables2) is found by the second engine,
# whose templates rely on Django's silent empty string and keep it. string_if_invalid belongs to the engine of
# the template being rendered, so an admin page never sees the loud one, even when one of our pages renders a
# third-party template through a tag (those tags load their templates through the engines, finding them in
# the second).
TEMPLATES = [
    {
        **TEMPLATES[0],
        "NAME": "inloop",
        "APP_DIRS": False,
        "OPTIONS": {**TEMPLATES[0]["OPTIONS"], "string_if_invalid": _LoudInvalid("%s")},
    },
    {**TEMPLATES[0], "NAME": "third_party", "DIRS": []},
]
