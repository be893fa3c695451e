"""Refuse, with 400, a request whose path, query string or form fields hold a NUL character.

No page of ours takes one, and PostgreSQL refuses them in text, so a NUL reaching a lookup (a template code
in the path, a search term) would otherwise end in a 500. Django's form fields already refuse them; this
covers what views read straight from the request. Uploaded files are left alone (they are read as files),
and so is the body of a view marked `reads_raw_body` (the inbound webhook: a raw email, read and checked by
the view itself, whose size Django's form parser would refuse).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

NUL = "\x00"


def _holds_nul(*queries) -> bool:
    for data in queries:
        for key, values in data.lists():
            if NUL in key or any(NUL in value for value in values):
                return True
    return False


def _refused() -> HttpResponse:
    return HttpResponseBadRequest("This request holds a NUL character, which no page here accepts.")


class NulCharacterGuard:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path or _holds_nul(request.GET):
            return _refused()
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        # The body once the view is known: a view that reads its raw body is left to do so.
        if request.method != "POST" or getattr(view_func, "reads_raw_body", False):
            return None
        try:
            refused = _holds_nul(request.POST)
        except Exception:  # noqa: BLE001 (a body Django cannot parse is answered by Django's own checks)
            refused = False
        return _refused() if refused else None
