"""API keys: made (the key shown once, its hash kept), checked on each request, revoked.

A key reads `inl_<prefix>_<secret>`. The prefix finds the row; the whole key's SHA-256 is compared in
constant time. The secret has 256 bits of entropy, so a fast hash is enough (a password hash guards
against guessing low-entropy secrets, which these are not).
"""

import hashlib
import hmac
import secrets
from functools import cache
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from api.models import ApiKey
from recruiting import sql_rows
from recruiting.audit import audit_log_record
from recruiting.models import RecruiterProfile
from recruiting.permissions import ensure_admin

User = AbstractBaseUser

KEY_SCHEME = "inl"
# last_used_at is written at most this often per key: a busy integration must not write on every request.
LAST_USED_RESOLUTION_SECONDS = 60


class NewKey(NamedTuple):
    api_key: ApiKey
    key: str


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def api_key_create(*, user: User, name: str, by: User | None) -> NewKey:
    """A new key for `user`; the key itself is in the answer and nowhere else. Only an admin makes keys
    (or the system: the management command), since a key acts without a person at the screen."""
    ensure_admin(by, "make API keys")
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise ValidationError({"name": "Give the key a name of at most 100 characters (what uses it)."})
    if not user.is_active:
        raise ValidationError({"user": "This account is not active; a key for it could not be used."})
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(user=user, name=name, prefix=prefix, key_hash=_hash(key))
    audit_log_record(actor=by, action="api_key.create", obj=api_key, details={"api_key": api_key.label})
    return NewKey(api_key=api_key, key=key)


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, by: User | None) -> ApiKey:
    """The key stops working at once; the row stays, for the audit trail."""
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if by is not None and by.pk != api_key.user_id:
        ensure_admin(by, "revoke another person's API key")
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_log_record(actor=by, action="api_key.revoke", obj=api_key, details={"api_key": api_key.label})
    return api_key


@cache
def _key_read() -> tuple[str, tuple]:
    """The key of a prefix with its user and the user's profile (select_related("user__profile")), one
    indexed read written once (sql_rows: it runs on every request)."""
    user_model = get_user_model()
    models = (ApiKey, user_model, RecruiterProfile)
    key, user, profile = (sql_rows.table(model) for model in models)
    columns = ", ".join(sql_rows.select_list(model, alias) for model, alias in zip(models, "kup", strict=True))
    sql = (
        f"SELECT {columns} FROM {key} k INNER JOIN {user} u ON u.id = k.user_id "  # noqa: S608 (names from the models, values bound)
        f"LEFT OUTER JOIN {profile} p ON p.user_id = u.id WHERE k.prefix = %s"
    )
    return sql, models


def _key_with_user(prefix: str) -> ApiKey | None:
    if connection.vendor != "postgresql":
        return ApiKey.objects.select_related("user__profile").filter(prefix=prefix).first()
    sql, models = _key_read()
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    api_key, user, profile = sql_rows.instances(row, models)
    sql_rows.related_cache(api_key, "user", user)
    sql_rows.related_cache(user, "profile", profile)
    return api_key


def api_key_authenticate(key: str) -> ApiKey | None:
    """The active key `key` is, with its user (active too), or None; records when it was last used."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME:
        return None
    api_key = _key_with_user(parts[1])
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _hash(key)):
        return None
    if api_key.revoked_at is not None or not api_key.user.is_active:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


__all__ = ["NewKey", "api_key_authenticate", "api_key_create", "api_key_revoke"]


def api_key_user(authorization: str) -> User | None:
    """The user of the active key in an Authorization header, without counting a use (the idempotency
    record's owner); the API itself authenticates the request."""
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    parts = key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME:
        return None
    api_key = ApiKey.objects.select_related("user").filter(prefix=parts[1], revoked_at__isnull=True).first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _hash(key.strip())) or not api_key.user.is_active:
        return None
    return api_key.user
