"""Signed, expiring links for a hiring manager's one-click answer about one application.

A token names the application, the manager and the due step it was sent for (the application's
client_answer_due then), signed with a purpose-specific salt. It is refused when tampered with or older
than INLOOP_CLIENT_ANSWER_LINK_MAX_AGE_DAYS; the answer service refuses it once its step is answered or
superseded (a new due step gets a new link), so a link answers at most once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

ANSWER_SALT = "inloop.clients.answer"


@dataclass(frozen=True)
class ClientAnswerLink:
    application_id: int
    hiring_manager_id: int
    # The due step, as whole seconds since the epoch.
    due_stamp: int


def due_stamp(due_at: datetime) -> int:
    return int(due_at.timestamp())


def client_answer_token(*, application_id: int, hiring_manager_id: int, due_at: datetime) -> str:
    return signing.TimestampSigner(salt=ANSWER_SALT).sign(f"{application_id}.{hiring_manager_id}.{due_stamp(due_at)}")


def client_answer_url(*, application_id: int, hiring_manager_id: int, due_at: datetime) -> str:
    token = client_answer_token(application_id=application_id, hiring_manager_id=hiring_manager_id, due_at=due_at)
    return settings.INLOOP_BASE_URL + reverse("candidates:client_answer", args=[token])


def client_answer_link_read(token: str) -> ClientAnswerLink:
    """What a token was made for. Raises signing.SignatureExpired when too old, signing.BadSignature when
    tampered with or malformed."""
    max_age = timedelta(days=settings.INLOOP_CLIENT_ANSWER_LINK_MAX_AGE_DAYS)
    value = signing.TimestampSigner(salt=ANSWER_SALT).unsign(token, max_age=max_age)
    try:
        application_id, manager_id, stamp = (int(part) for part in value.split("."))
    except ValueError as error:
        raise signing.BadSignature("Malformed client answer token") from error
    return ClientAnswerLink(application_id=application_id, hiring_manager_id=manager_id, due_stamp=stamp)


def client_answer_application_id(token: str) -> int | None:
    """The application a genuine answer token names, however old; None for anything else. For deciding who
    may read the link, never for taking an answer (client_answer_link_read does that)."""
    try:
        value = signing.TimestampSigner(salt=ANSWER_SALT).unsign(token)
    except signing.BadSignature:
        return None
    application_id, _, _rest = value.partition(".")
    return int(application_id) if application_id.isdigit() else None
