"""Reply addresses: `reply+<token>@<INLOOP_REPLY_DOMAIN>`, the token naming the outbox message it answers.

The token is the message's id and an HMAC of it (the project's secret key, a salt of its own), in lower
case only: mail servers may fold the case of a local part. 80 bits of HMAC make a guessed or edited token
worthless, and the whole address stays well inside the 64 characters a local part may have.
"""

import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "inloop.reply-address"
PREFIX = "reply+"
_TOKEN = re.compile(r"^(?P<pk>[0-9]{1,12})-(?P<mac>[0-9a-f]{20})$")


def _mac(pk: int) -> str:
    return salted_hmac(SALT, str(pk), algorithm="sha256").hexdigest()[:20]


def reply_token(message_id: int) -> str:
    return f"{message_id}-{_mac(message_id)}"


def reply_address(message_id: int) -> str | None:
    """The Reply-To of an outbox message, or None when replies are not received (no reply domain)."""
    domain = settings.INLOOP_REPLY_DOMAIN
    if not domain:
        return None
    return f"{PREFIX}{reply_token(message_id)}@{domain}"


@dataclass(frozen=True)
class TokenCheck:
    # The outbox message the address names, when its token is genuine.
    message_id: int | None
    # Why an address at our reply domain was refused; empty when genuine or when it is not ours.
    problem: str = ""


def reply_token_check(address: str) -> TokenCheck | None:
    """What an address says: None when it is not a reply address of ours; otherwise the message it names,
    or the problem with it (a token that was edited or forged)."""
    domain = settings.INLOOP_REPLY_DOMAIN
    local, _, address_domain = address.strip().strip("<>").rpartition("@")
    if not domain or address_domain.lower() != domain or not local.lower().startswith(PREFIX):
        return None
    token = local[len(PREFIX) :].lower()
    match = _TOKEN.match(token)
    if match is None:
        return TokenCheck(None, f"the reply address {address!r} has no readable token")
    pk = int(match["pk"])
    if not hmac.compare_digest(match["mac"], _mac(pk)):
        return TokenCheck(None, f"the reply address {address!r} has a token we did not sign (forged or altered)")
    return TokenCheck(pk)
