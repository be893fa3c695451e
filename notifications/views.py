"""Web endpoints of the notifications app: the mail provider's tracking and inbound webhooks, and the SMS
provider's status callback and inbound texts (signed by Twilio)."""

import logging
import time
from email import policy
from email.parser import BytesParser
from functools import cache

from anymail import urls as anymail_urls
from anymail.webhooks.base import AnymailBasicAuthMixin
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, QueryDict
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications.services.inbound import UnwritableEmail, inbound_post_refuse
from notifications.texts.inbound import inbound_text_receive
from notifications.texts.signatures import twilio_signature_valid
from notifications.texts.statuses import text_status_record

logger = logging.getLogger(__name__)
TRACKING_SUFFIX = "_tracking_webhook"
INBOUND_SUFFIX = "_inbound_webhook"
# A signed post older than this is a replay: providers that sign with a timestamp post within seconds.
SIGNED_POST_MAX_AGE_SECONDS = 15 * 60
# A provider posts the email inside a form field or a JSON string, escaped: the post may be up to this many
# times the email's size. The email itself is held to INLOOP_INBOUND_MAX_BYTES when it is read.
POST_ESCAPING_FACTOR = 3
READ_CHUNK = 1024 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@cache
def _anymail_views(suffix: str) -> dict:
    """anymail's webhook view of one kind for every provider it supports, by lower-case provider name."""
    return {
        pattern.name.removesuffix(suffix): pattern.callback
        for pattern in anymail_urls.urlpatterns
        if pattern.name and pattern.name.endswith(suffix)
    }


@login_not_required
@csrf_exempt
def tracking_webhook(request: HttpRequest, esp: str) -> HttpResponse:
    """The tracking webhook of the provider named by INLOOP_TRACKING_ESP; 404 for any other, or when off.

    Every request must carry the basic-auth credentials of ANYMAIL["WEBHOOK_SECRET"]; providers that sign
    their webhooks (for example Mailgun) are checked against their signing key as well. A request that
    fails either check is answered 400 by anymail before any event is read, so nothing changes. With no
    secret configured the endpoint refuses everything rather than trusting anyone on the web.
    """
    configured = settings.INLOOP_TRACKING_ESP.strip().lower()
    views = _anymail_views(TRACKING_SUFFIX)
    if not configured or esp != configured or esp not in views:
        raise Http404("No tracking webhook here.")
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        logger.error("Tracking webhook for %s called but ANYMAIL_WEBHOOK_SECRET is not set: refused", esp)
        raise SuspiciousOperation("The tracking webhook has no secret configured.")
    return views[esp](request)


def inbound_post_max_bytes() -> int:
    return POST_ESCAPING_FACTOR * settings.INLOOP_INBOUND_MAX_BYTES + 64 * 1024


@login_not_required
@csrf_exempt
def inbound_webhook(request: HttpRequest, esp: str) -> HttpResponse:
    """The inbound webhook of the provider named by INLOOP_INBOUND_ESP: replies posted by the provider.

    Checked like the tracking webhook (basic auth always; the provider's signature where it signs, and a
    signed post must be recent: a replayed one is refused, 400, nothing stored). This route alone takes
    posts up to inbound_post_max_bytes() (the site's DATA_UPLOAD_MAX_MEMORY_SIZE is for forms): the body
    is read here, once the basic auth holds. anymail's view then parses the provider's post and sends the
    inbound signal that notifications.services.inbound stores and acts on. Whatever cannot become an
    email (a post too large, one the provider's format cannot be read from, an email nested too deep to
    write out) is stored as refused with its reason, and like an email we cannot use it is answered 200,
    so that the provider does not retry it forever.
    """
    configured = settings.INLOOP_INBOUND_ESP.strip().lower()
    views = _anymail_views(INBOUND_SUFFIX)
    if not configured or esp != configured or esp not in views:
        raise Http404("No inbound webhook here.")
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        logger.error("Inbound webhook for %s called but ANYMAIL_WEBHOOK_SECRET is not set: refused", esp)
        raise SuspiciousOperation("The inbound webhook has no secret configured.")
    if request.method != "POST":
        return views[esp](request)
    view = views[esp].view_class(**views[esp].view_initkwargs)
    view.setup(request, esp=esp)
    # The secret first: nothing of a post from anyone else is read, let alone kept.
    AnymailBasicAuthMixin.validate_request(view, request)
    source = f"webhook:{esp}"
    body, size = _body_read(request)
    if size > len(body):
        limit = inbound_post_max_bytes()
        return _refused(request, source, body, size, f"too large: a post of {size} bytes, over the limit of {limit}")
    request._body = body
    if request.content_type == "multipart/form-data":
        request._post, request._files = _multipart_form(request.META.get("CONTENT_TYPE", ""), body)
    if _signed_too_long_ago(request):
        logger.warning("Inbound webhook for %s refused: a signed post from more than 15 minutes ago (a replay?)", esp)
        raise SuspiciousOperation("The inbound webhook post is too old.")
    view.run_validators(request)
    try:
        events = view.parse_events(request)
    except DatabaseError:
        raise
    except RecursionError:
        reason = "nested too deep to read: parts inside parts beyond what can be followed"
        return _refused(request, source, body, size, reason)
    except Exception as error:  # noqa: BLE001 (a post we cannot read is stored with why, never a 500)
        reason = f"the provider's post could not be read as an email ({type(error).__name__})"
        return _refused(request, source, body, size, reason)
    for event in events:
        try:
            view.signal.send(sender=view.__class__, event=event, esp_name=view.esp_name)
        except UnwritableEmail as error:
            return _refused(request, source, body, size, str(error))
    return HttpResponse()


# The site's input guard leaves the body to this view (inloop.input_guard).
inbound_webhook.reads_raw_body = True


def _body_read(request: HttpRequest) -> tuple[bytes, int]:
    """The post's body when within the limit, else its start (for the record) and its whole size; what is
    past the limit is read and dropped, never held."""
    limit = inbound_post_max_bytes()
    kept, size = bytearray(), 0
    while chunk := request.read(READ_CHUNK):
        size += len(chunk)
        if len(kept) <= limit:
            kept += chunk[: limit + 1 - len(kept)]
    if size > limit:
        return bytes(kept[: settings.INLOOP_INBOUND_RAW_KEEP_BYTES]), size
    return bytes(kept), size


def _multipart_form(content_type: str, body: bytes) -> tuple[QueryDict, MultiValueDict]:
    """A multipart form read with the standard library's parser: Django's own holds each field to
    DATA_UPLOAD_MAX_MEMORY_SIZE, and the raw email is one field."""
    form = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    post, files = QueryDict(mutable=True), MultiValueDict()
    for part in form.iter_parts() if form.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files.appendlist(name, SimpleUploadedFile(filename, payload, content_type=part.get_content_type()))
        else:
            post.appendlist(name, payload.decode(part.get_content_charset() or "utf-8", errors="replace"))
    return post, files


def _refused(request: HttpRequest, source: str, body: bytes, size: int, reason: str) -> HttpResponse:
    inbound = inbound_post_refuse(raw_bytes=body, source=source, size=size, reason=reason)
    logger.warning("Inbound webhook post stored refused as #%s: %s", inbound.pk, reason)
    return HttpResponse(f"Stored, not delivered: {reason}.", content_type="text/plain")


def _signed_too_long_ago(request: HttpRequest) -> bool:
    """A form post signed over a timestamp (Mailgun's way) whose timestamp is not recent."""
    if request.method != "POST" or "signature" not in request.POST:
        return False
    try:
        timestamp = float(request.POST.get("timestamp", ""))
    except ValueError:
        return True
    return abs(time.time() - timestamp) > SIGNED_POST_MAX_AGE_SECONDS


def _twilio_post(request: HttpRequest, what: str) -> HttpResponse | None:
    """403 for a post not signed by Twilio with our auth token (forged, unsigned, or no token set)."""
    if twilio_signature_valid(request):
        return None
    logger.warning("Text %s webhook refused: not signed by Twilio with our auth token.", what)
    return HttpResponseForbidden("Not signed.", content_type="text/plain")


def _error_code(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


@login_not_required
@csrf_exempt
@require_POST
def text_status_webhook(request: HttpRequest) -> HttpResponse:
    """Twilio's status callback for a text we sent (queued, sent, delivered, undelivered, failed)."""
    refused = _twilio_post(request, "status")
    if refused is not None:
        return refused
    text_status_record(
        provider_id=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=_error_code(request.POST.get("ErrorCode", "")),
    )
    return HttpResponse(status=204)


@login_not_required
@csrf_exempt
@require_POST
def text_inbound_webhook(request: HttpRequest) -> HttpResponse:
    """A text sent to our number: kept and acted on (notifications.texts.inbound). Answered with empty
    TwiML, so that Twilio sends nothing of its own; a HELP is answered through the sender."""
    refused = _twilio_post(request, "inbound")
    if refused is not None:
        return refused
    inbound_text_receive(
        provider_id=request.POST.get("MessageSid", ""),
        from_number=request.POST.get("From", ""),
        to_number=request.POST.get("To", ""),
        body=request.POST.get("Body", ""),
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
