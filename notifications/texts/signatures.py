"""Is a webhook post really from Twilio: its X-Twilio-Signature checked with twilio's RequestValidator
over the public URL it was posted to (INLOOP_BASE_URL and the path, as the provider saw it) and the
form's fields, with TWILIO_AUTH_TOKEN. Without a token nothing is trusted."""

from django.conf import settings
from django.http import HttpRequest
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)


def public_url(request: HttpRequest) -> str:
    return settings.INLOOP_BASE_URL + request.get_full_path()


def twilio_signature_valid(request: HttpRequest) -> bool:
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not settings.TWILIO_AUTH_TOKEN or not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER, ""))
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return validator.validate(public_url(request), request.POST, signature, algorithm=algorithm)
