"""Web endpoints of the notifications app: the mail provider's tracking and inbound webhooks."""

import logging
import time
from functools import cache

from anymail import urls as anymail_urls
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)
TRACKING_SUFFIX = "_tracking_webhook"
INBOUND_SUFFIX = "_inbound_webhook"
# A signed post older than this is a replay: providers that sign with a timestamp post within seconds.
SIGNED_POST_MAX_AGE_SECONDS = 15 * 60


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


@login_not_required
@csrf_exempt
def inbound_webhook(request: HttpRequest, esp: str) -> HttpResponse:
    """The inbound webhook of the provider named by INLOOP_INBOUND_ESP: replies posted by the provider.

    Checked like the tracking webhook (basic auth always; the provider's signature where it signs, and a
    signed post must be recent: a replayed one is refused). anymail's view then sends the inbound signal
    that notifications.services.inbound stores and acts on; an email we cannot use is stored as a
    rejection and still answered 200, so the provider does not retry it forever.
    """
    configured = settings.INLOOP_INBOUND_ESP.strip().lower()
    views = _anymail_views(INBOUND_SUFFIX)
    if not configured or esp != configured or esp not in views:
        raise Http404("No inbound webhook here.")
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        logger.error("Inbound webhook for %s called but ANYMAIL_WEBHOOK_SECRET is not set: refused", esp)
        raise SuspiciousOperation("The inbound webhook has no secret configured.")
    if _signed_too_long_ago(request):
        logger.warning("Inbound webhook for %s refused: a signed post from more than 15 minutes ago (a replay?)", esp)
        raise SuspiciousOperation("The inbound webhook post is too old.")
    return views[esp](request)


def _signed_too_long_ago(request: HttpRequest) -> bool:
    """A form post signed over a timestamp (Mailgun's way) whose timestamp is not recent."""
    if request.method != "POST" or "signature" not in request.POST:
        return False
    try:
        timestamp = float(request.POST.get("timestamp", ""))
    except ValueError:
        return True
    return abs(time.time() - timestamp) > SIGNED_POST_MAX_AGE_SECONDS
