"""Mobile numbers for text messages: read in the firm's region (INLOOP_PHONE_REGION) unless typed with
a country code, kept in E.164, and masked wherever a number would be written to a log.

Logs never print a whole number (no personal data in logs);
`phone_mask` keeps the country code and the last two digits, enough to tell two numbers apart.
"""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from phonenumber_field.phonenumber import PhoneNumber

MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def phone_region() -> str:
    return settings.INLOOP_PHONE_REGION


def mobile_clean(value: str) -> str:
    """The number as E.164 ("+447911123456"), or "" for an empty value; ValidationError when it is not a
    valid number, or not one that can receive texts (a landline, a premium or shared-cost number)."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > 40 or any(ord(character) < 32 for character in value):
        raise ValidationError("Enter a mobile number, for example +44 7911 123456.", code="invalid")
    number = PhoneNumber.from_string(value, region=phone_region()) if _parses(value) else None
    if number is None or not number.is_valid():
        raise ValidationError(
            "This is not a valid phone number. Type it with its country code, for example +44 7911 123456.",
            code="invalid",
        )
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValidationError("This number cannot receive text messages: give a mobile number.", code="not_mobile")
    return number.as_e164


def _parses(value: str) -> bool:
    try:
        phonenumbers.parse(value, phone_region())
    except phonenumbers.NumberParseException:
        return False
    return True


def phone_mask(number: object) -> str:
    """A number as a log may print it: "+44…23". Anything shorter than five digits is masked whole."""
    text = str(number or "")
    digits = [character for character in text if character.isdigit()]
    if len(digits) < 5:
        return "…"
    try:
        country = f"+{phonenumbers.parse(text, phone_region()).country_code}"
    except phonenumbers.NumberParseException:
        country = ""
    return f"{country}…{''.join(digits[-2:])}"
