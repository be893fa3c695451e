"""Web endpoints of the notifications app: the mail provider's tracking webhook."""

import logging
from functools import cache

from anymail import urls as anymail_urls
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)
TRACKING_SUFFIX = "_tracking_webhook"


@cache
def _tracking_views() -> dict:
    """anymail's tracking webhook view of every provider it supports, by lower-case provider name."""
    return {
        pattern.name.removesuffix(TRACKING_SUFFIX): pattern.callback
        for pattern in anymail_urls.urlpatterns
        if pattern.name and pattern.name.endswith(TRACKING_SUFFIX)
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
    if not configured or esp != configured or esp not in _tracking_views():
        raise Http404("No tracking webhook here.")
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        logger.error("Tracking webhook for %s called but ANYMAIL_WEBHOOK_SECRET is not set: refused", esp)
        raise SuspiciousOperation("The tracking webhook has no secret configured.")
    return _tracking_views()[esp](request)
