"""Checks on what people type about themselves: email addresses and names.

Addresses follow RFC 5321 lengths and RFC 6531/6532 for internationalised mail: a local part may hold
non-ASCII letters and the domain may be an IDN. A valid value is kept exactly as given (only the
surrounding whitespace goes); an invalid one is refused with a sentence a person can act on.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64
MAX_DOMAIN_LENGTH = 253
# RFC 5322 atext (ASCII); any non-ASCII character that is not a control or a space is allowed too.
_ASCII_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
# Control characters, line and paragraph separators: never part of a name, and the way into a mail header.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
_domain_check = EmailValidator()


def _has_forbidden_characters(value: str) -> bool:
    return any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in value)


def _local_part_is_valid(local: str) -> bool:
    if not local or local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    for char in local:
        if char == ".":
            continue
        if char.isascii():
            if char not in _ASCII_ATEXT:
                return False
        elif unicodedata.category(char)[0] in ("C", "Z"):
            return False
    return True


def _domain_is_valid(domain: str) -> bool:
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    if len(ascii_domain) > MAX_DOMAIN_LENGTH or any(len(label) > 63 for label in ascii_domain.split(".")):
        return False
    return "." in ascii_domain and _domain_check.validate_domain_part(ascii_domain)


def email_address_clean(value: str) -> str:
    """The address as given, without surrounding whitespace, or ValidationError with the reason."""
    address = (value or "").strip()
    if not address:
        raise ValidationError("Enter an email address.", code="required")
    if _has_forbidden_characters(address) or any(char.isspace() for char in address):
        raise ValidationError("An email address cannot contain spaces or line breaks.", code="invalid")
    if len(address) > MAX_EMAIL_LENGTH:
        raise ValidationError(
            f"This email address is {len(address)} characters long; the limit is {MAX_EMAIL_LENGTH}.", code="too_long"
        )
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError(
            "An email address needs a name, an @ and a domain, like name@example.com.", code="invalid"
        )
    if len(local) > MAX_LOCAL_PART_LENGTH:
        raise ValidationError(
            f"The part before the @ is {len(local)} characters long; the limit is {MAX_LOCAL_PART_LENGTH}.",
            code="too_long",
        )
    if not _local_part_is_valid(local):
        raise ValidationError(f"The part before the @ in {address!r} is not valid.", code="invalid")
    if not _domain_is_valid(domain):
        raise ValidationError(f"The domain {domain!r} is not a valid email domain.", code="invalid")
    return address


def person_name_clean(value: str, *, label: str, required: bool, max_length: int = 150) -> str:
    """A name as given (emoji, any script, any direction), without surrounding whitespace."""
    name = (value or "").strip()
    if required and not name:
        raise ValidationError(f"Enter the {label}.", code="required")
    if _has_forbidden_characters(name):
        raise ValidationError(f"The {label} cannot contain line breaks or control characters.", code="invalid")
    if len(name) > max_length:
        raise ValidationError(
            f"The {label} is {len(name)} characters long; the limit is {max_length}.", code="too_long"
        )
    return name


def phone_clean(value: str, *, max_length: int = 40) -> str:
    phone = (value or "").strip()
    if _has_forbidden_characters(phone):
        raise ValidationError("The phone number cannot contain line breaks or control characters.", code="invalid")
    if len(phone) > max_length:
        raise ValidationError(f"The phone number is longer than {max_length} characters.", code="too_long")
    return phone


def email_key(address: str) -> str:
    """What makes two addresses one person's, for the one-candidate-per-address rule: the address as typed
    is kept for sending, this key for comparing. Both parts in Unicode normal form C and case-folded (any
    script's capitals, not only ASCII's), and the domain in its ASCII (punycode) form, so that a name
    typed with decomposed accents, in capitals, or with the domain in either form gives the same key."""
    address = unicodedata.normalize("NFC", (address or "").strip())
    local, at, domain = address.rpartition("@")
    if not at:
        return unicodedata.normalize("NFC", address.casefold())
    local = unicodedata.normalize("NFC", local.casefold())
    domain = unicodedata.normalize("NFC", domain.casefold()).rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        pass
    return f"{local}@{domain}"
