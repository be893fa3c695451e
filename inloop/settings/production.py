"""Production: PostgreSQL, Redis, SMTP. Secrets are required; nothing insecure has a default."""

from inloop.settings.base import *  # noqa: F403
from inloop.settings.base import REDIS_TRANSPORT_OPTIONS, env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL")
CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="")
# Shared by every web process and worker; without CACHE_URL, the broker's Redis server when it is Redis.
_cache_default = CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "locmemcache://"
CACHES = {"default": env.cache("CACHE_URL", default=_cache_default)}
CACHES["default"]["KEY_PREFIX"] = "inloop"
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # A Redis that hangs must not hang the requests that count against a rate limit: they give up on the
    # cache after this long and go on without it (recruiting.ratelimit fails open).
    _cache_timeout = env.float("CACHE_TIMEOUT", default=0.5)
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=_cache_timeout, socket_timeout=_cache_timeout
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
