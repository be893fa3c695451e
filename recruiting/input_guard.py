"""Refuse, with 400, a request whose path, query string or form fields hold a NUL character.

No page of ours takes one, and PostgreSQL refuses them in text, so a NUL reaching a lookup (a template code
in the path, a search term) would otherwise end in a 500. Django's form fields already refuse them; this
covers what views read straight from the request. Uploaded files are left alone (they are read as files).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

NUL = "\x00"


def _holds_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    for data in (request.GET, request.POST if request.method == "POST" else {}):
        for key, values in data.lists():
            if NUL in key or any(NUL in value for value in values):
                return True
    return False


class NulCharacterGuard:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refused = _holds_nul(request)
        except Exception:  # noqa: BLE001 (a body Django cannot parse is answered by Django's own checks)
            refused = False
        if refused:
            return HttpResponseBadRequest("This request holds a NUL character, which no page here accepts.")
        return self.get_response(request)
