"""Settings shared by every run mode. Everything comes from the environment."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RUN_DIR = Path(environ.Env().str("INLOOP_RUN_DIR", default=str(BASE_DIR / ".run")))

env = environ.Env()

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The address candidates' links point at (status page, unsubscribe); no trailing slash.
# Links in emails point here. Unset, it follows the port `make run` serves on (INLOOP_PORT).
INLOOP_BASE_URL = env.str("INLOOP_BASE_URL", default=f"http://localhost:{env.int('INLOOP_PORT', default=8000)}").rstrip(
    "/"
)
# The firm's own time zone: business days, holidays and the keep-in-the-loop clock are counted in it.
TIME_ZONE = env.str("INLOOP_TIME_ZONE", default="UTC")
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "phonenumber_field",
    "anymail",
    "axes",
    "django_filters",
    "django_tables2",
    "inloop",
    "recruiting",
    "workspace",
    "candidates",
    "notifications",
    # The REST API; ninja is listed so that its docs page is served from our static files, not a CDN.
    "ninja",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "api.middleware.ApiMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "inloop.input_guard.NulCharacterGuard",
    # Last, so that it reads each page as it goes out: signed links only for who may act on what they open.
    "workspace.signed_links.SignedLinkMask",
]

ROOT_URLCONF = "inloop.urls"
WSGI_APPLICATION = "inloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "recruiting.branding.firm",
            ],
            # Every page writes dates the one way (|day, |day_month, |moment), without loading them.
            "builtins": ["recruiting.templatetags.dates"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{RUN_DIR / 'inloop.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and beat share one file; IMMEDIATE avoids lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: after AXES_FAILURE_LIMIT failures the login answers 429 for AXES_COOLOFF_TIME hours.
AXES_FAILURE_LIMIT = env.int("INLOOP_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("INLOOP_LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address a lock is keyed on: resolved through INLOOP_TRUSTED_PROXY_COUNT like every address-based limit,
# or behind a reverse proxy every sign-in would come from the proxy and five bad passwords would lock everyone.
AXES_CLIENT_IP_CALLABLE = "recruiting.ratelimit.login_client_address"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Strict policy: our own static files only, no inline script or style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Mail (Django's MAILERS): EMAIL_URL (smtp://user:pass@host:port, smtp+tls://, smtp+ssl://, consolemail://,
# filemail://) or EMAIL_HOST / EMAIL_PORT / EMAIL_HOST_USER / EMAIL_HOST_PASSWORD / EMAIL_USE_TLS. SMTP goes
# through notifications.backends.SMTPBackend, which reports where an SMTP conversation broke off so that a
# message whose hand-over is uncertain is never blindly re-sent.
SMTP_BACKEND = "notifications.backends.SMTPBackend"
EMAIL_TIMEOUT_SECONDS = env.float("EMAIL_TIMEOUT", default=15)


def mailer_from_env(default: dict | None = None) -> dict:
    """The default mailer described by the environment, or `default` when nothing is set."""
    if env.str("EMAIL_URL", default=""):
        parsed = env.email_url("EMAIL_URL")
        backend = parsed["EMAIL_BACKEND"]
        if backend.endswith("filebased.EmailBackend"):
            return {
                "BACKEND": backend,
                "OPTIONS": {"file_path": parsed.get("EMAIL_FILE_PATH") or str(RUN_DIR / "mail")},
            }
        if not backend.endswith("smtp.EmailBackend"):
            return {"BACKEND": backend}
        host, port = parsed.get("EMAIL_HOST", "localhost"), parsed.get("EMAIL_PORT") or 25
        username, password = parsed.get("EMAIL_HOST_USER", ""), parsed.get("EMAIL_HOST_PASSWORD", "")
        use_tls, use_ssl = bool(parsed.get("EMAIL_USE_TLS")), bool(parsed.get("EMAIL_USE_SSL"))
    elif env.str("EMAIL_HOST", default=""):
        host, port = env.str("EMAIL_HOST"), env.int("EMAIL_PORT", default=25)
        username, password = env.str("EMAIL_HOST_USER", default=""), env.str("EMAIL_HOST_PASSWORD", default="")
        use_tls, use_ssl = env.bool("EMAIL_USE_TLS", default=False), env.bool("EMAIL_USE_SSL", default=False)
    else:
        return default or {"BACKEND": SMTP_BACKEND, "OPTIONS": {"host": "localhost", "port": 25}}
    return {
        "BACKEND": SMTP_BACKEND,
        "OPTIONS": {
            "host": host,
            "port": int(port),
            "username": username,
            "password": password,
            "use_tls": use_tls,
            "use_ssl": use_ssl,
            "timeout": EMAIL_TIMEOUT_SECONDS,
        },
    }


MAILERS = {"default": mailer_from_env()}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Inloop <inloop@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The domain in each message's Message-ID (stable per outbox row).
INLOOP_MESSAGE_ID_DOMAIN = env.str("INLOOP_MESSAGE_ID_DOMAIN", default="inloop.localhost")

# Tracking webhooks (bounces, complaints) through django-anymail. Off unless a provider is named.
INLOOP_TRACKING_ESP = env.str("INLOOP_TRACKING_ESP", default="")
# A delivery event older than this is refused (and logged): a replay, or a provider catching up too late.
INLOOP_TRACKING_EVENT_MAX_AGE_DAYS = env.int("INLOOP_TRACKING_EVENT_MAX_AGE_DAYS", default=30)
ANYMAIL = {"WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default="")}
# Providers that sign their webhooks (Mailgun, for one) are checked against this key as well as basic auth.
if INLOOP_TRACKING_ESP and env.str("ANYMAIL_WEBHOOK_SIGNING_KEY", default=""):
    ANYMAIL[f"{INLOOP_TRACKING_ESP.upper()}_WEBHOOK_SIGNING_KEY"] = env.str("ANYMAIL_WEBHOOK_SIGNING_KEY")

# Replies (docs/operations.md, "Replies"). Off without a reply domain: Reply-To is then the recruiter.
INLOOP_REPLY_DOMAIN = env.str("INLOOP_REPLY_DOMAIN", default="").strip().lower()
# The authserv-id of the server that receives replies: only its Authentication-Results header is heard.
INLOOP_INBOUND_AUTHSERV_ID = env.str("INLOOP_INBOUND_AUTHSERV_ID", default="").strip().lower()
# The provider whose inbound webhook may post replies; off when unset.
INLOOP_INBOUND_ESP = env.str("INLOOP_INBOUND_ESP", default="").strip().lower()
if INLOOP_INBOUND_ESP and env.str("ANYMAIL_WEBHOOK_SIGNING_KEY", default=""):
    ANYMAIL.setdefault(f"{INLOOP_INBOUND_ESP.upper()}_WEBHOOK_SIGNING_KEY", env.str("ANYMAIL_WEBHOOK_SIGNING_KEY"))
INLOOP_INBOUND_MAX_BYTES = env.int("INLOOP_INBOUND_MAX_BYTES", default=5 * 1024 * 1024)
INLOOP_INBOUND_RAW_KEEP_BYTES = env.int("INLOOP_INBOUND_RAW_KEEP_BYTES", default=256 * 1024)
# The firm's name in "<recruiter> via <firm>"; by default the display name of DEFAULT_FROM_EMAIL.

# Text messages (notifications/texts). Numbers typed without a country code are read in this region
# (ISO 3166 code) and stored in E.164.
INLOOP_PHONE_REGION = env.str("INLOOP_PHONE_REGION", default="GB").strip().upper()
PHONENUMBER_DEFAULT_REGION = INLOOP_PHONE_REGION
PHONENUMBER_DB_FORMAT = "E164"
# "file": texts written under INLOOP_SMS_FILE_PATH (the embedded default); "twilio": Twilio's REST API.
INLOOP_SMS_BACKEND = env.str("INLOOP_SMS_BACKEND", default="file").strip().lower()
if INLOOP_SMS_BACKEND not in ("file", "twilio"):
    raise ImproperlyConfigured(f"INLOOP_SMS_BACKEND must be file or twilio, not {INLOOP_SMS_BACKEND!r}.")
INLOOP_SMS_FILE_PATH = env.str("INLOOP_SMS_FILE_PATH", default=str(RUN_DIR / "texts"))
INLOOP_SMS_TIMEOUT = env.float("INLOOP_SMS_TIMEOUT", default=15)
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
# Texts go from this number (E.164), or through this messaging service (it picks the number) when set.
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
# Where the REST API answers: Twilio's own unless a test points it at a local fake.
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="https://api.twilio.com").rstrip("/")

# Celery. The broker URL decides the run mode: filesystem:// is the embedded default.
# With Redis, a publish (the wake-up after a commit, the relay) fails fast when the broker is down instead
# of sitting in kombu's reconnect loop (about 6 s): the outbox row is the truth and the relay finds it later,
# so a recruiter's request never waits on a dead broker (tests/faults/test_f2_broker_outage.py).
REDIS_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="")
if CELERY_BROKER_URL.startswith("filesystem"):
    _broker_dir = RUN_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # Fanout exchanges (remote control, worker events) live here; kombu would otherwise use ./control.
        "control_folder": str(_broker_dir / "control"),
    }
    CELERY_RESULT_BACKEND = CELERY_RESULT_BACKEND or f"file://{RUN_DIR / 'results'}"
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
CELERY_TASK_ALWAYS_EAGER = False

# Django's cache holds the candidate pages' rate-limit counters and the progress of a job being closed, so
# every web process and worker must share it: a folder under the run folder here, Redis in production.
# SQLite (the embedded mode) has no covering indexes and builds application_new_on_job_idx without its
# INCLUDE columns, which PostgreSQL uses for index-only reads: nothing for an operator to act on.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{RUN_DIR / 'cache'}")}
CACHES["default"]["KEY_PREFIX"] = "inloop"

# The outbox: how long a worker holds a claimed message before another may take it over (longer than a
# send's time limit), how many tries a message gets, and the first retry's delay (doubled each time).
INLOOP_OUTBOX_LEASE_SECONDS = env.int("INLOOP_OUTBOX_LEASE_SECONDS", default=330)
INLOOP_OUTBOX_MAX_ATTEMPTS = env.int("INLOOP_OUTBOX_MAX_ATTEMPTS", default=8)
INLOOP_OUTBOX_RETRY_BASE_SECONDS = env.float("INLOOP_OUTBOX_RETRY_BASE_SECONDS", default=60)

# Keep-in-the-loop defaults (business days), used when no StagePolicy row overrides them.
INLOOP_HOLD_MINUTES = env.int("INLOOP_HOLD_MINUTES", default=10)
INLOOP_REJECTION_HOLD_MINUTES = env.int("INLOOP_REJECTION_HOLD_MINUTES", default=24 * 60)
INLOOP_BUSINESS_HOURS = (
    env.int("INLOOP_BUSINESS_HOUR_START", default=9),
    env.int("INLOOP_BUSINESS_HOUR_END", default=18),
)
INLOOP_STATUS_LINK_MAX_AGE_DAYS = env.int("INLOOP_STATUS_LINK_MAX_AGE_DAYS", default=60)
# Candidate pages: POSTs allowed per hour per signed link (five times as many per client address), and how
# many reverse proxies in front of the app append to X-Forwarded-For (0: use the connection's address).
INLOOP_CANDIDATE_POSTS_PER_HOUR = env.int("INLOOP_CANDIDATE_POSTS_PER_HOUR", default=20)
INLOOP_TRUSTED_PROXY_COUNT = env.int("INLOOP_TRUSTED_PROXY_COUNT", default=0)
# Password reset: emails per hour for one email address (further requests answer the same page and send
# nothing), and requests per hour from one client address (further ones answer 429).
INLOOP_PASSWORD_RESETS_PER_HOUR = env.int("INLOOP_PASSWORD_RESETS_PER_HOUR", default=3)
INLOOP_PASSWORD_RESET_REQUESTS_PER_HOUR_PER_ADDRESS = env.int(
    "INLOOP_PASSWORD_RESET_REQUESTS_PER_HOUR_PER_ADDRESS", default=10
)
# Workspace forms that email candidates (personal email, check-in, bulk check-in): submissions per hour
# per signed-in user; further ones answer 429 and queue nothing.
INLOOP_EMAIL_FORMS_PER_HOUR = env.int("INLOOP_EMAIL_FORMS_PER_HOUR", default=60)
# Split desks: "firm" lets a recruiter put their candidate forward to any open job of the firm, a
# colleague's included; "team" only to jobs owned within the candidate's owner's team.
INLOOP_PUT_FORWARD_SCOPE = env.str("INLOOP_PUT_FORWARD_SCOPE", default="firm")
if INLOOP_PUT_FORWARD_SCOPE not in ("firm", "team"):
    raise ImproperlyConfigured(f"INLOOP_PUT_FORWARD_SCOPE must be firm or team, not {INLOOP_PUT_FORWARD_SCOPE!r}.")
INLOOP_DIGEST_HOUR = env.int("INLOOP_DIGEST_HOUR", default=8)
# A digest goes out only in this many hours after the digest hour; a missed window waits for the next morning.
INLOOP_DIGEST_WINDOW_HOURS = env.int("INLOOP_DIGEST_WINDOW_HOURS", default=3)
# The client's answer (docs/rules.md#client-owes), in business days: owed after a submission and after a client
# interview, then the recruiter is prompted to call this long after the chase, and the team lead told this long after
# that. A manager's one-click answer link lives this many days.
INLOOP_CLIENT_ANSWER_DAYS = {
    "submitted": env.int("INLOOP_CLIENT_ANSWER_DAYS_AFTER_SUBMISSION", default=3),
    "interviewing": env.int("INLOOP_CLIENT_ANSWER_DAYS_AFTER_INTERVIEW", default=2),
}
INLOOP_CLIENT_CALL_AFTER_DAYS = env.int("INLOOP_CLIENT_CALL_AFTER_DAYS", default=2)
INLOOP_CLIENT_ESCALATE_AFTER_DAYS = env.int("INLOOP_CLIENT_ESCALATE_AFTER_DAYS", default=2)
INLOOP_CLIENT_ANSWER_LINK_MAX_AGE_DAYS = env.int("INLOOP_CLIENT_ANSWER_LINK_MAX_AGE_DAYS", default=21)
# For this many minutes after answering, the manager may correct their answer through the same link.
INLOOP_CLIENT_ANSWER_CORRECTION_MINUTES = env.int("INLOOP_CLIENT_ANSWER_CORRECTION_MINUTES", default=30)
# How far ahead a date a person types may lie (a promised next step, the client's promised answer, a
# manager's "need more time", a snooze): further is not a plan, and the clock would wait on it for years.
INLOOP_DATE_HORIZON_DAYS = env.int("INLOOP_DATE_HORIZON_DAYS", default=730)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The REST API (api/): requests per key per window before it answers 429 with Retry-After, and how long an
# Idempotency-Key's answer is kept for replay.
INLOOP_API_RATE_LIMIT = env.int("INLOOP_API_RATE_LIMIT", default=600)
INLOOP_API_RATE_WINDOW_SECONDS = env.int("INLOOP_API_RATE_WINDOW_SECONDS", default=60)
INLOOP_API_IDEMPOTENCY_DAYS = env.int("INLOOP_API_IDEMPOTENCY_DAYS", default=7)
# Webhook deliveries to private, loopback and link-local addresses (and over plain http): off, except for
# tests and receivers on the firm's own network.
INLOOP_WEBHOOKS_ALLOW_PRIVATE = env.bool("INLOOP_WEBHOOKS_ALLOW_PRIVATE", default=False)
