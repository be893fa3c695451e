"""The firm's name and look (FirmSettings), read for pages and emails: never written here.

At the bottom of the layers: templates (through the context processor), the candidate pages and the
sending of email read it. Without a saved row, the defaults apply.
"""

from email.utils import formataddr, parseaddr
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from recruiting.models import FirmSettings


def firm_settings() -> FirmSettings:
    return FirmSettings.objects.defer("logo").filter(pk=FirmSettings.SINGLETON_PK).first() or FirmSettings()


def text_colour_on(colour: str) -> str:
    """Black or white, whichever has the higher contrast on `colour` (WCAG relative luminance)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


def sender_address(firm: FirmSettings | None = None, *, recruiter_name: str = "") -> str:
    """DEFAULT_FROM_EMAIL's address under the firm's sending name, or "<recruiter> via <firm>" for a
    message written for a recruiter (never the recruiter's own address: the firm's domain is the one
    that signs and is allowed to send). `firm` when the caller read it once for a batch."""
    firm = firm or firm_settings()
    recruiter_name = " ".join(recruiter_name.split())
    display = f"{recruiter_name} via {firm.sending_name}" if recruiter_name else firm.sending_name
    return _formatted(display, settings.DEFAULT_FROM_EMAIL)


@lru_cache(maxsize=256)
def _formatted(display: str, default_from: str) -> str:
    """The From header for `display` at DEFAULT_FROM_EMAIL's address: parsed and quoted once per process
    for each name (a sending worker asks for the same few names for every message)."""
    _, address = parseaddr(default_from)
    return formataddr((display, address))


def firm(request: HttpRequest) -> dict:
    """Context processor: `firm` in every template, read only by a template that uses it."""
    return {"firm": SimpleLazyObject(firm_settings)}
