"""The SMS sender of production: Twilio's REST API through the `twilio` package, configured by settings
(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID,
INLOOP_SMS_TIMEOUT). TWILIO_API_BASE_URL points the client elsewhere than api.twilio.com: the tests'
fake Twilio (tests/support/fake_twilio.py), a local HTTP server speaking the same requests.

Errors are classified from the HTTP status and Twilio's error code (notifications.texts.senders).
"""

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from notifications.texts.senders import PERMANENT, TRANSIENT, UNKNOWN, TextHandedOver, TextSendError

NAME = "twilio"
TWILIO_API = "https://api.twilio.com"
# Twilio answers these statuses for a problem of ours or of the moment, not of the text: retry later.
# 401/403: credentials; 404: the account; 429: too many requests (also error code 20429).
TRANSIENT_HTTP_STATUSES = frozenset({401, 403, 404, 408, 409, 429})
TRANSIENT_CODES = frozenset({20003, 20429, 20500, 20503, 30001})
# Codes in a status callback that say another try at the same number will fail too: an invalid or
# unknown number, a landline, a number that texted STOP (21610), a blocked or filtered text.
DELIVERY_PERMANENT_CODES = frozenset({21211, 21408, 21610, 21612, 21614, 30004, 30005, 30006, 30007, 30034})


class RebasedHttpClient(TwilioHttpClient):
    """Twilio's HTTP client with api.twilio.com replaced by another base URL."""

    def __init__(self, *, base_url: str, timeout: float):
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API) and self.base_url != TWILIO_API:
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def twilio_error_kind(*, status: int, code: int | None) -> str:
    """PERMANENT or TRANSIENT for an error answer of Twilio's REST API."""
    if status >= 500 or status in TRANSIENT_HTTP_STATUSES or code in TRANSIENT_CODES:
        return TRANSIENT
    return PERMANENT


def _connection_error_kind(error: requests.ConnectionError) -> str:
    """A connection refused or a name that does not resolve sent nothing; any other break may have
    happened after the request went out."""
    cause = error.args[0] if error.args else None
    reason = getattr(cause, "reason", cause)
    if isinstance(reason, NewConnectionError) or isinstance(error, requests.ConnectTimeout):
        return TRANSIENT
    return UNKNOWN


class TwilioSender:
    name = NAME

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        base_url: str = TWILIO_API,
        timeout: float = 15,
    ):
        if not (account_sid and auth_token and (from_number or messaging_service_sid)):
            raise ImproperlyConfigured(
                "Twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER or "
                "TWILIO_MESSAGING_SERVICE_SID."
            )
        self.from_number, self.messaging_service_sid = from_number, messaging_service_sid
        http_client = RebasedHttpClient(base_url=base_url, timeout=timeout)
        self.client = Client(account_sid, auth_token, http_client=http_client)

    @classmethod
    def from_settings(cls) -> "TwilioSender":
        return cls(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            from_number=settings.TWILIO_FROM_NUMBER,
            messaging_service_sid=settings.TWILIO_MESSAGING_SERVICE_SID,
            base_url=settings.TWILIO_API_BASE_URL,
            timeout=settings.INLOOP_SMS_TIMEOUT,
        )

    def send(self, *, to: str, body: str, status_callback: str = "") -> TextHandedOver:
        sender = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_number}
        )
        callback = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self.client.messages.create(to=to, body=body, **sender, **callback)
        except TwilioRestException as error:
            kind = twilio_error_kind(status=error.status, code=error.code)
            raise TextSendError(
                f"Twilio answered {error.status}: {error.msg}"[:300], kind=kind, code=error.code
            ) from error
        except requests.ConnectionError as error:
            kind = _connection_error_kind(error)
            raise TextSendError(f"Twilio could not be reached ({type(error).__name__})", kind=kind) from error
        except requests.Timeout as error:
            raise TextSendError("Twilio did not answer in time: the text may have gone", kind=UNKNOWN) from error
        return TextHandedOver(provider_id=message.sid, status=message.status or "queued")
